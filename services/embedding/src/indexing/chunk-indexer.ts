import { Inject, Injectable } from '@nestjs/common';
import { create, type MessageShape } from '@bufbuild/protobuf';
import { timestampNow } from '@bufbuild/protobuf/wkt';
import { EventMetaSchema } from '@cairn/contracts/cairn/common/v1/common';
import { ChunksIndexedSchema } from '@cairn/contracts/cairn/embedding/v1/events';
import type {
  DocumentChunkedSchema,
  DocumentDeletedSchema,
} from '@cairn/contracts/cairn/ingestion/v1/events';
import { EVENT_BUS, topicFor, type EventBus, type EventEnvelope } from '@cairn/events';
import { SparseEncoder, type ChunkPoint } from '@cairn/vector-store';
import { EmbeddingRuntime } from './embedding-runtime.js';
import { EmbeddingMetrics } from './embedding.metrics.js';

const indexedTopic = topicFor(ChunksIndexedSchema);

/**
 * Turns a chunked document version into points of the vector tier: embeds only chunks the cache has
 * not seen, writes dense + keyword vectors, removes stale chunks, then announces the version indexed.
 */
@Injectable()
export class ChunkIndexer {
  private readonly sparse = new SparseEncoder();

  constructor(
    private readonly runtime: EmbeddingRuntime,
    private readonly metrics: EmbeddingMetrics,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
  ) {}

  async index(event: EventEnvelope<MessageShape<typeof DocumentChunkedSchema>>): Promise<void> {
    const document = event.payload;
    const embedder = await this.runtime.ensureCollection();
    const model = embedder.model.name;
    let tokenCount = 0;
    if (document.chunks.length > 0) {
      const { vectors, embedded, hits } = await embedder.embedChunks(
        document.chunks.map((chunk) => ({ hash: chunk.chunkHash, text: chunk.text })),
      );
      this.metrics.embedded.inc({ model }, embedded);
      this.metrics.cacheHits.inc({ model }, hits);
      this.metrics.batchSize.observe({ model }, document.chunks.length);
      const points: ChunkPoint[] = document.chunks.map((chunk, index) => {
        tokenCount += chunk.tokenCount;
        return {
          id: chunk.chunkId,
          tenant: event.tenant,
          collection: document.collection,
          documentId: document.documentId,
          documentVersion: document.documentVersion,
          chunkHash: chunk.chunkHash,
          text: chunk.text,
          title: document.title,
          sourceUri: document.sourceUri,
          headingPath: [...chunk.headingPath],
          startOffset: chunk.startOffset,
          endOffset: chunk.endOffset,
          metadata: { ...document.metadata },
          dense: vectors[index] as Float32Array,
          sparse: this.sparse.encodeDocument(chunk.text),
        };
      });
      await this.runtime.store.upsert(model, points);
      this.metrics.indexed.inc({ model }, points.length);
    }
    if (document.removedChunkIds.length > 0) {
      await this.runtime.store.deleteChunks(model, event.tenant, document.removedChunkIds);
    }
    await this.bus.publish(
      indexedTopic,
      create(ChunksIndexedSchema, {
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
        removedChunkIds: document.removedChunkIds,
        model,
        dimension: embedder.model.dimension,
        indexedCount: document.chunks.length,
        removedCount: document.removedChunkIds.length,
        retainedCount: document.retainedChunkIds.length,
        tokenCount,
      }),
      { tenant: event.tenant, ...(event.traceparent ? { traceparent: event.traceparent } : {}) },
    );
  }

  async remove(event: EventEnvelope<MessageShape<typeof DocumentDeletedSchema>>): Promise<void> {
    const embedder = await this.runtime.ensureCollection();
    await this.runtime.store.deleteDocument(embedder.model.name, event.tenant, event.payload.documentId);
  }
}
