import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DocumentStatus, IngestionService } from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { createGrpcClient, GrpcError, Status, type GrpcClient } from '@cairn/grpc';
import { startService, type StartedService } from '../support/service-process.js';

const HANDBOOK = `# Travel policy

Book economy class for flights under six hours. Business class needs a director's approval.

## Hotels

Stay in the approved hotels listed on the intranet. Rooms above the city rate need approval.

## Expenses

Submit receipts within thirty days. Meals are reimbursed up to the daily allowance.
`;

/** The `content` oneof holding text. */
function text_(value: string) {
  return { case: 'text' as const, value };
}

function markdown(externalId: string, text: string, metadata: Record<string, string> = {}) {
  return {
    document: {
      collection: 'handbook',
      externalId,
      mimeType: 'text/markdown',
      content: text_(text),
      metadata,
    },
  };
}

function expectStatus(code: Status, reason?: string) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof GrpcError, `expected a GrpcError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (reason) assert.equal(error.details?.reason, reason);
    return true;
  };
}

/** The ingestion service's gRPC API, through the all-in-one process on embedded defaults. */
void describe('ingestion over gRPC (all-in-one)', () => {
  let aio: StartedService;
  let client: GrpcClient<typeof IngestionService>;
  before(async () => {
    aio = await startService({ service: 'all-in-one' });
    const key = readFileSync(join(aio.dataDir, '.cairn', 'api-key'), 'utf8').trim();
    client = createGrpcClient(IngestionService, aio.grpcAddress, { apiKey: key });
  });
  after(async () => {
    client.close();
    await aio.stop();
  });

  void it('ingests a document, and re-ingesting it unchanged changes and embeds nothing', async () => {
    const first = await client.ingest(markdown('travel', HANDBOOK, { team: 'finance' }));
    assert.equal(first.version, 1);
    assert.equal(first.unchanged, false);
    assert.ok(first.chunkCount >= 1);
    assert.equal(first.newChunkCount, first.chunkCount);

    const again = await client.ingest(markdown('travel', HANDBOOK, { team: 'finance' }));
    assert.equal(again.documentId, first.documentId);
    assert.equal(again.version, 1);
    assert.equal(again.unchanged, true);
    assert.equal(again.newChunkCount, 0);

    const { document } = await client.getDocument({ documentId: first.documentId });
    assert.equal(document?.externalId, 'travel');
    assert.equal(document?.title, 'Travel policy');
    assert.deepEqual(document?.metadata, { team: 'finance' });
    assert.equal(document?.chunkCount, first.chunkCount);
  });

  void it('a changed document gets a new version and re-chunks only what changed', async () => {
    const base = await client.ingest(markdown('policy-v', HANDBOOK.repeat(6)));
    assert.ok(base.chunkCount >= 3, `want several chunks, got ${base.chunkCount}`);
    const edited = HANDBOOK.repeat(6).replace('thirty days', 'fourteen days');
    const next = await client.ingest(markdown('policy-v', edited));
    assert.equal(next.version, base.version + 1);
    assert.equal(next.unchanged, false);
    assert.ok(
      next.newChunkCount >= 1 && next.newChunkCount < next.chunkCount,
      `re-chunked ${next.newChunkCount} of ${next.chunkCount}`,
    );
  });

  void it('rejects bad input with INVALID_ARGUMENT and the reason, and stores nothing', async () => {
    await assert.rejects(
      client.ingest({
        document: {
          collection: 'handbook',
          externalId: 'bad-pdf',
          mimeType: 'application/pdf',
          content: { case: 'data', value: new TextEncoder().encode('%PDF-1.4 truncated') },
        },
      }),
      expectStatus(Status.INVALID_ARGUMENT, 'CORRUPT_DOCUMENT'),
    );
    await assert.rejects(
      client.ingest({
        document: {
          collection: 'handbook',
          externalId: 'odd',
          mimeType: 'application/x-msdownload',
          content: text_('MZ'),
        },
      }),
      expectStatus(Status.INVALID_ARGUMENT, 'UNSUPPORTED_MEDIA_TYPE'),
    );
    await assert.rejects(
      client.ingest({ document: { collection: 'handbook', content: text_('no id') } }),
      expectStatus(Status.INVALID_ARGUMENT),
    );
    const listed = await client.listDocuments({ collection: 'handbook' });
    assert.ok(!listed.documents.some((document) => ['bad-pdf', 'odd'].includes(document.externalId)));
  });

  void it('IngestStream returns one result per document, failures with their status', async () => {
    async function* requests() {
      yield markdown(`bulk-${randomUUID()}`, 'First bulk document about onboarding.');
      yield {
        document: {
          collection: 'handbook',
          externalId: 'bulk-bad',
          mimeType: 'application/json',
          content: text_('{ not json'),
        },
      };
      yield markdown(`bulk-${randomUUID()}`, 'Second bulk document about security training.');
    }
    const response = await client.ingestStream(requests());
    assert.equal(response.results.length, 3);
    assert.equal(response.ingestedCount, 2);
    assert.equal(response.failedCount, 1);
    const failed = response.results[1]!;
    assert.equal(failed.outcome.case, 'error');
    assert.equal(
      failed.outcome.case === 'error' ? failed.outcome.value.detail?.reason : '',
      'CORRUPT_DOCUMENT',
    );
  });

  void it('lists documents page by page, each exactly once', async () => {
    const collection = `paged-${randomUUID()}`;
    for (let i = 0; i < 7; i++) {
      await client.ingest({
        document: {
          collection,
          externalId: `doc-${i}`,
          mimeType: 'text/plain',
          content: text_(`Document number ${i}.`),
        },
      });
    }
    const seen: string[] = [];
    let pageToken = '';
    do {
      const page = await client.listDocuments({ collection, page: { pageSize: 3, pageToken } });
      assert.ok(page.documents.length <= 3);
      seen.push(...page.documents.map((document) => document.externalId));
      pageToken = page.page?.nextPageToken ?? '';
    } while (pageToken);
    assert.deepEqual(seen.sort(), ['doc-0', 'doc-1', 'doc-2', 'doc-3', 'doc-4', 'doc-5', 'doc-6']);
  });

  void it('deletes a document: listed no more, Get shows DELETED, a second Delete is NOT_FOUND', async () => {
    const { documentId } = await client.ingest(markdown('to-delete', 'Temporary notice.'));
    const deleted = await client.deleteDocument({ documentId });
    assert.equal(deleted.document?.status, DocumentStatus.DELETED);
    const { document } = await client.getDocument({ documentId });
    assert.equal(document?.status, DocumentStatus.DELETED, 'a tombstone keeps the status');
    const listed = await client.listDocuments({ collection: 'handbook' });
    assert.ok(
      !listed.documents.some((listedDocument) => listedDocument.documentId === documentId),
      'not listed',
    );
    await assert.rejects(
      client.deleteDocument({ documentId }),
      expectStatus(Status.NOT_FOUND, 'DOCUMENT_NOT_FOUND'),
    );
  });
});
