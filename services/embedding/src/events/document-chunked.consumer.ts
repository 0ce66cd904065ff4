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

/**
 * New chunks of document versions → embedded and written to the vector tier, in micro-batches
 * bounded by `indexing.batchMaxDocuments` and `indexing.batchMaxWaitMs`. The next batch is read only
 * when this one is indexed, so a slow model pauses consumption instead of buffering.
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

  constructor(
    private readonly indexer: ChunkIndexer,
    @Inject(PLATFORM_CONFIG) config: EmbeddingServiceConfig,
  ) {
    this.bounds = { maxSize: config.indexing.batchMaxDocuments, maxWaitMs: config.indexing.batchMaxWaitMs };
  }

  handleBatch(
    events: ReadonlyArray<EventEnvelope<MessageShape<typeof DocumentChunkedSchema>>>,
  ): Promise<void> {
    return this.indexer.indexBatch(events);
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
