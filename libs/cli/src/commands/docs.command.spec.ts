import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fromJsonString } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  DocumentStatus,
  IngestionService,
  ListDocumentsResponseSchema,
  type ListDocumentsRequest,
} from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { GrpcError, Status } from '@cairn/grpc';
import { startTestServer, withUnimplemented, type TestServer } from '@cairn/grpc/testing';
import { ExitCode } from '../exit-codes.js';
import { runCaptured } from '../testing/capture-io.js';

const document = (n: number) => ({
  documentId: `doc_${n}`,
  collection: 'handbook',
  externalId: `docs/${n}.md`,
  title: `Doc ${n}`,
  sourceUri: `docs/${n}.md`,
  mimeType: 'text/markdown',
  version: 2,
  status: DocumentStatus.INDEXED,
  chunkCount: n,
  sizeBytes: 2048,
  metadata: { team: 'hr' },
  updatedAt: timestampFromDate(new Date('2025-01-31T12:00:00Z')),
});

void describe('cairn docs', { timeout: 30_000 }, () => {
  let t: TestServer;
  const lists: ListDocumentsRequest[] = [];
  const deleted: string[] = [];
  before(async () => {
    t = await startTestServer((server) =>
      server.addService(
        IngestionService,
        withUnimplemented(IngestionService, {
          // Seven documents, pages of at most three.
          async listDocuments(request) {
            lists.push(request);
            const from = Number(request.page?.pageToken || '1');
            const numbers = [1, 2, 3, 4, 5, 6, 7]
              .filter((n) => n >= from)
              .slice(0, Math.min(3, request.page?.pageSize ?? 3));
            const next = (numbers.at(-1) ?? 7) + 1;
            return {
              documents: numbers.map(document),
              page: { nextPageToken: next <= 7 ? String(next) : '' },
            };
          },
          async getDocument(request) {
            if (request.documentId !== 'doc_1')
              throw new GrpcError(Status.NOT_FOUND, `no document ${request.documentId}`, {
                reason: 'DOCUMENT_NOT_FOUND',
              });
            return { document: { ...document(1), failureReason: '' } };
          },
          async deleteDocument(request) {
            deleted.push(request.documentId);
            return {
              document: { ...document(1), documentId: request.documentId, status: DocumentStatus.DELETED },
            };
          },
        }),
      ),
    );
  });
  after(() => t.stop());
  const docs = (...args: string[]) =>
    runCaptured(['docs', ...args, '--endpoint', t.address, '--api-key', t.keys.writer]);

  void it('ls reads every page and prints a table', async () => {
    const run = await docs('ls', '--collection', 'handbook', '--status', 'indexed');
    assert.equal(run.code, ExitCode.OK, run.stderr);
    const lines = run.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^DOCUMENT +COLLECTION +EXTERNAL ID +VERSION +STATUS +CHUNKS +UPDATED$/);
    assert.match(lines[1] ?? '', /^doc_1 +handbook +docs\/1\.md +v2 +indexed +1 +2025-01-31T12:00:00Z$/);
    assert.equal(lines.at(-1), '7 documents');
    assert.equal(lists.length, 3);
    assert.deepEqual(
      lists.map((l) => [l.collection, l.status, l.page?.pageToken]),
      [
        ['handbook', DocumentStatus.INDEXED, ''],
        ['handbook', DocumentStatus.INDEXED, '4'],
        ['handbook', DocumentStatus.INDEXED, '7'],
      ],
    );
  });

  void it('ls --limit stops early; --json prints one ListDocumentsResponse', async () => {
    const run = await docs('ls', '--limit', '4', '--json');
    const parsed = fromJsonString(ListDocumentsResponseSchema, run.stdout);
    assert.deepEqual(
      parsed.documents.map((d) => d.documentId),
      ['doc_1', 'doc_2', 'doc_3', 'doc_4'],
    );
    assert.match(run.stdout, /"status": "DOCUMENT_STATUS_INDEXED"/);
  });

  void it('get prints the fields; an unknown id exits 1 with the reason', async () => {
    const run = await docs('get', 'doc_1');
    assert.equal(run.code, ExitCode.OK);
    assert.match(
      run.stdout,
      /^document +doc_1\ncollection +handbook\nexternal id +docs\/1\.md\ntitle +Doc 1\n/,
    );
    assert.match(run.stdout, /\nsize +2\.0 KiB\n/);
    assert.match(run.stdout, /\nmetadata +team=hr\n$/);
    const missing = await docs('get', 'doc_x');
    assert.equal(missing.code, ExitCode.FAILED);
    assert.equal(missing.stderr, 'cairn: NOT_FOUND: no document doc_x (reason: DOCUMENT_NOT_FOUND)\n');
  });

  void it('rm deletes each document named', async () => {
    const run = await docs('rm', 'doc_5', 'doc_6');
    assert.equal(run.code, ExitCode.OK);
    assert.deepEqual(deleted, ['doc_5', 'doc_6']);
    assert.equal(run.stdout, 'deleted doc_5  docs/1.md\ndeleted doc_6  docs/1.md\n');
  });
});
