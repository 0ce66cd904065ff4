import type { MessageShape } from '@bufbuild/protobuf';
import { DocumentChunkedSchema, DocumentDeletedSchema } from '@cairn/contracts/cairn/ingestion/v1/events';
import { Inject } from '@nestjs/common';
import {
  EventConsumer,
  type BatchBounds,
  type BatchEventHandler,
  type EventEnvelope,
  type EventHandler,
} from '@cairn/events';
import { PLATFORM_CONFIG } from '@cairn/platform';
import type { EmbeddingServiceConfig } from '../embedding.config.js';
import { ChunkIndexer } from '../indexing/chunk-indexer.js';
import { IndexingFailures } from '../indexing/indexing-failures.js';

/**
 * New chunks of document versions → embedded and written to the vector tier, in micro-batches
 * bounded by `indexing.batchMaxDocuments` and `indexing.batchMaxWaitMs`. The next batch is read only
 * when this one is indexed, so a slow model pauses consumption instead of buffering. A version that
 * fails on every attempt is announced failed (ChunksIndexingFailed) and dead-lettered.
 */
@EventConsumer(DocumentChunkedSchema, {
  group: 'embedding',
  batch: (instance) => (instance as DocumentChunkedConsumer).bounds,
  // A duplicate delivered late (after a newer version of its document) must not bring the older
  // version's chunks back: events already applied are dropped.
  idempotencyKey: (event) => event.id,
})
export class DocumentChunkedConsumer implements BatchEventHandler<typeof DocumentChunkedSchema> {
  readonly bounds: BatchBounds;
  private readonly maxAttempts: number;

  constructor(
    private readonly indexer: ChunkIndexer,
    private readonly failures: IndexingFailures,
    @Inject(PLATFORM_CONFIG) config: EmbeddingServiceConfig,
  ) {
    this.bounds = { maxSize: config.indexing.batchMaxDocuments, maxWaitMs: config.indexing.batchMaxWaitMs };
    this.maxAttempts = config.events.maxAttempts;
  }

  async handleBatch(
    events: ReadonlyArray<EventEnvelope<MessageShape<typeof DocumentChunkedSchema>>>,
  ): Promise<void> {
    try {
      await this.indexer.indexBatch(events);
    } catch (error) {
      // The last attempt of a lone event (a failing batch is retried one event at a time): it goes
      // to the DLQ next, so the registry learns that this version failed, and why.
      const [only] = events;
      if (events.length === 1 && only && only.attempt >= this.maxAttempts)
        await this.failures.announce(only, error);
      throw error;
    }
  }
}

/** A deleted document → every one of its chunks leaves the vector tier. */
@EventConsumer(DocumentDeletedSchema, { group: 'embedding', idempotencyKey: (event) => event.id })
export class DocumentDeletedConsumer implements EventHandler<typeof DocumentDeletedSchema> {
  constructor(private readonly indexer: ChunkIndexer) {}

  handle(event: EventEnvelope<MessageShape<typeof DocumentDeletedSchema>>): Promise<void> {
    return this.indexer.remove(event);
  }
}
