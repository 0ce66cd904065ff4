import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuditService } from '@cairn/contracts/cairn/audit/v1/audit';
import { Role } from '@cairn/contracts/cairn/common/v1/options';
import { DocumentStatus, IngestionService } from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { RetrievalService, SearchMode } from '@cairn/contracts/cairn/retrieval/v1/retrieval';
import { createGrpcClient, GrpcError, Status, type GrpcClient } from '@cairn/grpc';
import { waitFor } from '@cairn/testing';
import { propertySeed } from '../support/prng.js';
import {
  bytes,
  text,
  CASES,
  COLLECTION,
  documentOf,
  garbageFor,
  markerOf,
  MAX_DOCUMENT_BYTES,
  READABLE,
  REJECTIONS,
} from './corrupt-cases.js';
import { startSecuredAllInOne, type SecuredProcess } from './harness.js';

/**
 * Corrupt files for every parser through Ingest and IngestStream: INVALID_ARGUMENT with the
 * parser's reason, and nothing of them reaches the registry, the index or the audit trail.
 */
void describe('corrupt documents through ingestion', { timeout: 240_000 }, () => {
  let cairn: SecuredProcess;
  let ingestion: GrpcClient<typeof IngestionService>;
  let retrieval: GrpcClient<typeof RetrievalService>;
  let audit: GrpcClient<typeof AuditService>;
  const refusedMarkers: string[] = [];

  before(async () => {
    cairn = await startSecuredAllInOne([{ name: 'admin', tenant: 'docs', roles: [Role.ADMIN] }], {
      CAIRN_INGESTION_MAX_DOCUMENT_BYTES: String(MAX_DOCUMENT_BYTES),
    });
    const apiKey = cairn.keys['admin']!;
    ingestion = createGrpcClient(IngestionService, cairn.aio.grpcAddress, { apiKey });
    retrieval = createGrpcClient(RetrievalService, cairn.aio.grpcAddress, { apiKey });
    audit = createGrpcClient(AuditService, cairn.aio.grpcAddress, { apiKey });
  });
  after(async () => {
    for (const client of [ingestion, retrieval, audit]) client.close();
    await cairn.stop();
  });

  void it('Ingest answers each corrupt document INVALID_ARGUMENT with the parser reason', async () => {
    for (const [index, c] of CASES.entries()) {
      const marker = markerOf(index, 'u');
      refusedMarkers.push(marker);
      const error = await ingestion.ingest({ document: documentOf(c, marker) }).then(
        () => assert.fail(`${c.what}: expected INVALID_ARGUMENT, the document was accepted`),
        (e: unknown) => e,
      );
      assert.ok(error instanceof GrpcError, `${c.what}: ${String(error)}`);
      assert.equal(Status[error.code], 'INVALID_ARGUMENT', `${c.what}: ${error.message}`);
      assert.equal(error.details?.reason, c.reason, `${c.what}: ${error.message}`);
      assert.ok(error.message.length >= 10, `${c.what}: the message says why: '${error.message}'`);
    }
  });

  void it('IngestStream reports each corrupt document as failed and still ingests the good one', async () => {
    const good = 'zqgoodmarker';
    async function* documents() {
      for (const [index, c] of CASES.entries()) {
        const marker = markerOf(index, 's');
        refusedMarkers.push(marker);
        yield { document: documentOf(c, marker) };
        if (index === 3)
          yield {
            document: { collection: COLLECTION, externalId: good, content: text(`The ${good} is fine.`) },
          };
      }
    }
    const response = await ingestion.ingestStream(documents());
    assert.equal(
      response.failedCount,
      CASES.length,
      JSON.stringify(
        response.results.map((r) => [
          r.externalId,
          r.outcome.case,
          r.outcome.case === 'error' ? r.outcome.value.detail?.message : '',
        ]),
      ),
    );
    assert.equal(response.ingestedCount, 1);
    const reasons = response.results
      .filter((r) => r.outcome.case === 'error')
      .map((r) => (r.outcome.case === 'error' ? [r.outcome.value.code, r.outcome.value.detail?.reason] : []));
    assert.deepEqual(
      reasons,
      CASES.map((c) => [Status.INVALID_ARGUMENT, c.reason]),
    );
  });

  void it('random bytes for every parser: accepted or refused with a parser reason, never a server fault', async (t) => {
    const rng = propertySeed('corrupt documents');
    const outcomes = new Map<string, number>();
    for (const mimeType of [
      'text/plain',
      'text/markdown',
      'text/html',
      'application/pdf',
      'application/json',
      '',
    ]) {
      for (let i = 0; i < 12; i++) {
        const data = garbageFor(mimeType, rng);
        const outcome = await ingestion
          .ingest(
            {
              document: {
                collection: 'garbage',
                externalId: `g-${mimeType || 'sniffed'}-${i}`,
                mimeType,
                content: bytes(data),
              },
            },
            { deadlineMs: 20_000 },
          )
          .then(
            () => 'OK',
            (error: unknown) => {
              assert.ok(error instanceof GrpcError, String(error));
              assert.equal(Status[error.code], 'INVALID_ARGUMENT', `${mimeType}: ${error.message}`);
              assert.ok(
                REJECTIONS.has(error.details?.reason ?? ''),
                `${mimeType}: reason ${error.details?.reason}`,
              );
              return error.details!.reason;
            },
          );
        const key = `${mimeType || 'sniffed'} ${outcome}`;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      }
    }
    t.diagnostic(`outcomes: ${JSON.stringify(Object.fromEntries(outcomes))}`);
  });

  void it('readable but broken Markdown, HTML and a whole PDF are indexed (the control group)', async () => {
    for (const [index, r] of READABLE.entries()) {
      const marker = markerOf(index, 'r');
      const ingested = await ingestion.ingest({
        document: {
          collection: COLLECTION,
          externalId: marker,
          mimeType: r.mimeType,
          content: r.content(marker),
        },
      });
      await waitFor(
        async () =>
          (
            await retrieval.search({ query: marker, mode: SearchMode.KEYWORD, collections: [COLLECTION] })
          ).chunks.some((chunk) => chunk.chunk?.documentId === ingested.documentId),
        { timeoutMs: 60_000, intervalMs: 100, description: `${r.what} to be searchable by '${marker}'` },
      );
    }
  });

  void it('nothing of a refused document is in the registry, the index or the audit trail', async () => {
    assert.ok(refusedMarkers.length >= 2 * CASES.length);
    const listed = await ingestion.listDocuments({ collection: COLLECTION, page: { pageSize: 500 } });
    const failed = await ingestion.listDocuments({
      collection: COLLECTION,
      status: DocumentStatus.FAILED,
      page: { pageSize: 500 },
    });
    const known = new Set([...listed.documents, ...failed.documents].map((d) => d.externalId));
    assert.deepEqual(
      refusedMarkers.filter((m) => known.has(m)),
      [],
      'refused documents in the registry',
    );
    // The trail first (the searches below are recorded in it, with their queries), once it holds
    // the documents that were accepted around the refused ones.
    const accepted = ['zqgoodmarker', ...READABLE.map((_, index) => markerOf(index, 'r'))];
    const trail = await waitFor(
      async () => {
        const entries: string[] = [];
        for await (const { record } of audit.export({ includePayload: true }))
          if (record)
            entries.push(
              Buffer.from(record.payload).toString('latin1'),
              record.subjects.map((s) => s.id).join(' '),
            );
        return accepted.every((marker) => entries.some((entry) => entry.includes(marker)))
          ? entries
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, description: 'the audit trail to hold the accepted documents' },
    );
    const leaked = refusedMarkers.filter((marker) => trail.some((entry) => entry.includes(marker)));
    assert.deepEqual(leaked, [], 'refused documents in the audit trail');
    for (const marker of refusedMarkers) {
      const found = await retrieval.search({ query: marker, mode: SearchMode.KEYWORD, topK: 5 });
      assert.deepEqual(
        found.chunks.filter((c) => c.text.includes(marker)).map((c) => c.externalId),
        [],
        `chunks of the refused '${marker}' are searchable`,
      );
    }
  });
});
