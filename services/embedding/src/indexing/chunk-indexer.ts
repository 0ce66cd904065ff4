import { createHash } from 'node:crypto';
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

type ChunkedEvent = EventEnvelope<MessageShape<typeof DocumentChunkedSchema>>;

/**
 * Turns chunked document versions into points of the vector tier. A batch of versions (from many
 * documents) is embedded together, so the model runs full batches even when documents are small:
 * only chunks the cache has not seen reach the model; dense + keyword vectors (of the chunk under
 * its title and headings) are written in one upsert; stale chunks are removed; then each version
 * is announced indexed.
 */
@Injectable()
export class ChunkIndexer {
  private readonly sparse = new SparseEncoder();

  constructor(
    private readonly runtime: EmbeddingRuntime,
    private readonly metrics: EmbeddingMetrics,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
  ) {}

  async indexBatch(events: readonly ChunkedEvent[]): Promise<void> {
    const embedder = await this.runtime.ensureCollection();
    const model = embedder.model.name;
    const chunks = events.flatMap((event) =>
      event.payload.chunks.map((chunk) => indexedChunk(event.payload.title, chunk)),
    );
    if (chunks.length > 0) {
      const { vectors, embedded, hits } = await embedder.embedChunks(chunks);
      this.metrics.embedded.inc({ model }, embedded);
      this.metrics.cacheHits.inc({ model }, hits);
      this.metrics.batchChunks.observe({ model }, chunks.length);
      let next = 0;
      const points: ChunkPoint[] = events.flatMap((event) =>
        event.payload.chunks.map((chunk) => {
          const index = next++;
          return this.point(
            event,
            chunk,
            vectors[index] as Float32Array,
            (chunks[index] as IndexedChunk).text,
          );
        }),
      );
      const kept = latestPoints(events, points);
      if (kept.length > 0) await this.runtime.store.upsert(model, kept);
      this.metrics.indexed.inc({ model }, points.length);
      this.metrics.tokens.inc(
        { model },
        events.reduce(
          (sum, event) => sum + event.payload.chunks.reduce((n, chunk) => n + chunk.tokenCount, 0),
          0,
        ),
      );
    }
    this.metrics.batchDocuments.observe({ model }, events.length);
    // A version names all its chunks (new and retained), so whatever else its document has in the
    // vector tier is of an older version — also chunks no event names as removed, left by a version
    // whose event never went out (the log was down when it was recorded).
    for (const latest of latestVersions(events)) {
      await this.runtime.store.deleteDocumentExcept(model, latest.tenant, latest.payload.documentId, [
        ...currentChunkIds(latest),
      ]);
    }
    for (const event of events) await this.announce(event, model, embedder.model.dimension);
  }

  async remove(event: EventEnvelope<MessageShape<typeof DocumentDeletedSchema>>): Promise<void> {
    const embedder = await this.runtime.ensureCollection();
    await this.runtime.store.deleteDocument(embedder.model.name, event.tenant, event.payload.documentId);
  }

  private point(
    event: ChunkedEvent,
    chunk: ChunkedEvent['payload']['chunks'][number],
    dense: Float32Array,
    indexedText: string,
  ): ChunkPoint {
    const document = event.payload;
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
      dense,
      sparse: this.sparse.encodeDocument(indexedText),
    };
  }

  /** Publishes ChunksIndexed with an id derived from the causing event, so a retried batch repeats it. */
  private async announce(event: ChunkedEvent, model: string, dimension: number): Promise<void> {
    const document = event.payload;
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
        dimension,
        indexedCount: document.chunks.length,
        removedCount: document.removedChunkIds.length,
        retainedCount: document.retainedChunkIds.length,
        tokenCount: document.chunks.reduce((sum, chunk) => sum + chunk.tokenCount, 0),
      }),
      {
        tenant: event.tenant,
        eventId: derivedId('chunks-indexed', event.id),
        ...(event.traceparent ? { traceparent: event.traceparent } : {}),
      },
    );
  }
}

type Chunk = ChunkedEvent['payload']['chunks'][number];

/** Chunk ids of a version: its new chunks and the ones it keeps from the version before. */
function currentChunkIds(event: ChunkedEvent): Set<string> {
  return new Set([...event.payload.chunks.map((chunk) => chunk.chunkId), ...event.payload.retainedChunkIds]);
}

/** The last event of each document in a batch (events of one document arrive in version order). */
function latestVersions(events: readonly ChunkedEvent[]): ChunkedEvent[] {
  const latest = new Map<string, ChunkedEvent>();
  for (const event of events) latest.set(`${event.tenant}\u0000${event.payload.documentId}`, event);
  return [...latest.values()];
}

/**
 * The points a batch leaves in the vector tier: per document only those of its latest version
 * (a chunk an earlier version of the batch added and the latest removed is not written), each id
 * once, from the latest event that carries it.
 */
function latestPoints(events: readonly ChunkedEvent[], points: readonly ChunkPoint[]): ChunkPoint[] {
  const keep = new Map(
    latestVersions(events).map((event) => [
      `${event.tenant}\u0000${event.payload.documentId}`,
      currentChunkIds(event),
    ]),
  );
  const byId = new Map<string, ChunkPoint>();
  for (const point of points) {
    if (keep.get(`${point.tenant}\u0000${point.documentId}`)?.has(point.id))
      byId.set(`${point.tenant}\u0000${point.id}`, point);
  }
  return [...byId.values()];
}

/** What the model and the keyword index see of a chunk, and its embedding cache key. */
interface IndexedChunk {
  readonly hash: string;
  readonly text: string;
}

/**
 * A chunk as it is indexed: its document title and heading path above its text (a contextual
 * header: a chunk of a section is found by the words of the title it sits under), cached under a
 * hash of header and chunk hash. The stored text, offsets and citations stay those of the chunk.
 */
function indexedChunk(title: string, chunk: Chunk): IndexedChunk {
  const header: string[] = [];
  for (const part of [title, ...chunk.headingPath]) {
    const trimmed = part.trim();
    if (trimmed && header[header.length - 1] !== trimmed && !chunk.text.startsWith(trimmed))
      header.push(trimmed);
  }
  if (header.length === 0) return { hash: chunk.chunkHash, text: chunk.text };
  const context = header.join(' › ');
  return {
    hash: createHash('sha256').update(`${context}\n${chunk.chunkHash}`).digest('hex'),
    text: `${context}\n\n${chunk.text}`,
  };
}

/** A UUID-shaped id determined by its parts. */
function derivedId(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
