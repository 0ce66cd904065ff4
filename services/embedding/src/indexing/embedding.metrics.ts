import { Inject, Injectable } from '@nestjs/common';
import { METRICS_REGISTRY } from '@cairn/platform';
import { Counter, Histogram, type Registry } from 'prom-client';

/** Prometheus series of the embedding service: what reached the model, what the cache answered. */
@Injectable()
export class EmbeddingMetrics {
  /** Chunk texts sent to the embedding model (cache misses). */
  readonly embedded: Counter<'model'>;
  /** Chunks whose vector came from the (model, chunk hash) cache. */
  readonly cacheHits: Counter<'model'>;
  /** Chunks written to the vector tier. */
  readonly indexed: Counter<'model'>;
  /** Chunks per embedding batch (many document versions are embedded together). */
  readonly batchChunks: Histogram<'model'>;
  /** Document versions per batch. */
  readonly batchDocuments: Histogram<'model'>;
  /** Model tokens of the chunks indexed. */
  readonly tokens: Counter<'model'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.embedded = new Counter({
      name: 'cairn_embedding_chunks_embedded_total',
      help: 'Chunk texts sent to the embedding model (cache misses).',
      labelNames: ['model'],
      registers: [registry],
    });
    this.cacheHits = new Counter({
      name: 'cairn_embedding_cache_hits_total',
      help: 'Chunks whose vector came from the embedding cache.',
      labelNames: ['model'],
      registers: [registry],
    });
    this.indexed = new Counter({
      name: 'cairn_embedding_chunks_indexed_total',
      help: 'Chunks written to the vector tier.',
      labelNames: ['model'],
      registers: [registry],
    });
    this.batchChunks = new Histogram({
      name: 'cairn_embedding_batch_chunks',
      help: 'Chunks per embedding batch.',
      labelNames: ['model'],
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
      registers: [registry],
    });
    this.tokens = new Counter({
      name: 'cairn_embedding_chunk_tokens_total',
      help: 'Model tokens of the chunks written to the vector tier.',
      labelNames: ['model'],
      registers: [registry],
    });
    this.batchDocuments = new Histogram({
      name: 'cairn_embedding_batch_documents',
      help: 'Document versions per embedding batch.',
      labelNames: ['model'],
      buckets: [1, 2, 4, 8, 16, 32, 64, 128],
      registers: [registry],
    });
  }
}
