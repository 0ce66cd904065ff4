import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MessageShape } from '@bufbuild/protobuf';
import type { DocumentChunkedSchema } from '@cairn/contracts/cairn/ingestion/v1/events';
import type { EventEnvelope } from '@cairn/events';
import type { EmbeddingServiceConfig } from '../embedding.config.js';
import type { ChunkIndexer } from '../indexing/chunk-indexer.js';
import type { IndexingFailures } from '../indexing/indexing-failures.js';
import { DocumentChunkedConsumer } from './document-chunked.consumer.js';

type Chunked = EventEnvelope<MessageShape<typeof DocumentChunkedSchema>>;
const event = (id: string, attempt: number) => ({ id, attempt }) as unknown as Chunked;

void describe('DocumentChunkedConsumer', () => {
  const config = {
    indexing: { batchMaxDocuments: 8, batchMaxWaitMs: 10 },
    events: { maxAttempts: 3 },
  } as unknown as EmbeddingServiceConfig;
  const failing = {
    indexBatch: () => Promise.reject(new Error('model answered 500')),
  } as unknown as ChunkIndexer;

  void it('announces a version failed on the last attempt of a lone event, then lets it go to the DLQ', async () => {
    const announced: string[] = [];
    const failures = {
      announce: async (e: Chunked) => void announced.push(e.id),
    } as unknown as IndexingFailures;
    const consumer = new DocumentChunkedConsumer(failing, failures, config);
    await assert.rejects(consumer.handleBatch([event('a', 2)]), /500/);
    await assert.rejects(
      consumer.handleBatch([event('b', 3), event('c', 3)]),
      /500/,
      'a batch is split first',
    );
    assert.deepEqual(announced, [], 'not before the last attempt, nor for a batch');
    await assert.rejects(consumer.handleBatch([event('a', 3)]), /500/);
    assert.deepEqual(announced, ['a']);
  });
});
