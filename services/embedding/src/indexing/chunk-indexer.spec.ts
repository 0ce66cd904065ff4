import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { create, type MessageShape } from '@bufbuild/protobuf';
import { ChunkSchema, DocumentChunkedSchema } from '@cairn/contracts/cairn/ingestion/v1/events';
import type { EventBus, EventEnvelope } from '@cairn/events';
import { EmbeddedVectorStore } from '@cairn/vector-store';
import { Registry } from 'prom-client';
import type { EmbeddingRuntime } from './embedding-runtime.js';
import { EmbeddingMetrics } from './embedding.metrics.js';
import { ChunkIndexer } from './chunk-indexer.js';

const MODEL = { name: 'spec-model', dimension: 4 };
const TENANT = 'acme';

type Chunked = EventEnvelope<MessageShape<typeof DocumentChunkedSchema>>;

/** A DocumentChunked event of document `doc`, version `version`: new chunks and retained ids. */
function chunked(
  doc: string,
  version: number,
  chunks: string[],
  retained: string[] = [],
  removed: string[] = [],
): Chunked {
  const payload = create(DocumentChunkedSchema, {
    tenant: TENANT,
    documentId: doc,
    documentVersion: version,
    collection: 'c',
    title: doc,
    chunks: chunks.map((id, index) =>
      create(ChunkSchema, { chunkId: id, chunkHash: `h-${id}`, index, text: `text of ${id}`, endOffset: 1 }),
    ),
    retainedChunkIds: retained,
    removedChunkIds: removed,
    chunkCount: chunks.length + retained.length,
  });
  return {
    id: `${doc}-v${version}`,
    type: DocumentChunkedSchema.typeName,
    topic: 'cairn.ingestion.document-chunked.v1',
    partition: 0,
    offset: String(version),
    key: doc,
    tenant: TENANT,
    schemaVersion: 'v1',
    contentType: 'application/x-protobuf',
    timestamp: new Date(),
    headers: {},
    payload,
    attempt: 1,
  };
}

void describe('ChunkIndexer', () => {
  const store = new EmbeddedVectorStore({ directory: mkdtempSync(join(tmpdir(), 'chunk-indexer-')) });
  const embedder = {
    model: MODEL,
    embedChunks: async (chunks: readonly unknown[]) => ({
      vectors: chunks.map(() => Float32Array.from([1, 0, 0, 0])),
      embedded: chunks.length,
      hits: 0,
    }),
  };
  const runtime = {
    store,
    ensureCollection: async () => {
      await store.ensureCollection({ model: MODEL.name, dimension: MODEL.dimension });
      return embedder;
    },
  } as unknown as EmbeddingRuntime;
  const published: unknown[] = [];
  const bus = { publish: async (...args: unknown[]) => void published.push(args) } as unknown as EventBus;
  const indexer = new ChunkIndexer(runtime, new EmbeddingMetrics(new Registry()), bus);
  after(() => store.close());

  const ids = async (doc: string): Promise<string[]> =>
    (
      await store.search(MODEL.name, {
        tenant: TENANT,
        mode: 'dense',
        vector: [1, 0, 0, 0],
        topK: 100,
        filter: { must: [{ key: 'documentId', equals: doc }] },
      })
    )
      .map((hit) => hit.id)
      .sort();

  void it('two versions of a document in one batch leave exactly the latest version', async () => {
    await indexer.indexBatch([
      chunked('d1', 1, ['a', 'b', 'old']),
      chunked('d1', 2, ['new'], ['a', 'b'], ['old']),
    ]);
    assert.deepEqual(await ids('d1'), ['a', 'b', 'new']);
  });

  void it('a version after one whose event never came removes what no event named as removed', async () => {
    await indexer.indexBatch([chunked('d2', 1, ['a2', 'b2', 'x2'])]);
    // v2 was recorded while the log was down and never announced; v3 lists all its chunks.
    await indexer.indexBatch([chunked('d2', 3, ['a2', 'b2', 'z2'])]);
    assert.deepEqual(await ids('d2'), ['a2', 'b2', 'z2']);
    assert.deepEqual(await ids('d1'), ['a', 'b', 'new'], 'other documents are left alone');
  });
});
