import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { create, type MessageShape } from '@bufbuild/protobuf';
import { timestampNow } from '@bufbuild/protobuf/wkt';
import { ErrorDetailSchema, EventMetaSchema } from '@cairn/contracts/cairn/common/v1/common';
import { ChunksIndexingFailedSchema } from '@cairn/contracts/cairn/embedding/v1/events';
import type { DocumentChunkedSchema } from '@cairn/contracts/cairn/ingestion/v1/events';
import { EVENT_BUS, topicFor, type EventBus, type EventEnvelope } from '@cairn/events';
import { EmbeddingRuntime } from './embedding-runtime.js';

const failedTopic = topicFor(ChunksIndexingFailedSchema);

/**
 * Tells the platform that a version will not be indexed: `ChunksIndexingFailed` (the registry marks
 * the document FAILED with the reason), published when the event is about to be dead-lettered, so
 * the document's owner sees why instead of a version that stays CHUNKED.
 */
@Injectable()
export class IndexingFailures {
  constructor(
    private readonly runtime: EmbeddingRuntime,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
  ) {}

  async announce(
    event: EventEnvelope<MessageShape<typeof DocumentChunkedSchema>>,
    error: unknown,
  ): Promise<void> {
    const document = event.payload;
    const model = (await this.runtime.embedder().catch(() => undefined))?.model.name ?? '';
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    await this.bus.publish(
      failedTopic,
      create(ChunksIndexingFailedSchema, {
        tenant: event.tenant,
        documentId: document.documentId,
        meta: create(EventMetaSchema, {
          occurredAt: timestampNow(),
          requestId: document.meta?.requestId ?? '',
          principal: document.meta?.principal ?? '',
          causationId: event.id,
        }),
        documentVersion: document.documentVersion,
        collection: document.collection,
        chunkIds: document.chunks.map((chunk) => chunk.chunkId),
        model,
        reason: reason.slice(0, 1_000),
        retryable: false,
        error: create(ErrorDetailSchema, { reason: 'INDEXING_FAILED', message: reason.slice(0, 1_000) }),
      }),
      {
        tenant: event.tenant,
        // One announcement per causing event, however often this is retried.
        eventId: createHash('sha256')
          .update(`chunks-indexing-failed\u0000${event.id}`)
          .digest('hex')
          .slice(0, 32),
        ...(event.traceparent ? { traceparent: event.traceparent } : {}),
      },
    );
  }
}
