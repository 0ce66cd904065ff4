import { QdrantClient } from '@qdrant/js-client-rest';
import type { Schemas } from '@qdrant/js-client-rest';
import type {
  ChunkPoint,
  CollectionSpec,
  CountRequest,
  ScoredPoint,
  SearchRequest,
  VectorStore,
  VectorStoreHealth,
} from '../vector-store.port.js';
import { VectorStoreError } from '../vector-store.port.js';
import {
  RRF_K,
  finalizeHits,
  modelSlug,
  prefetchLimit,
  requireText,
  validatePointVectors,
  validateSearch,
} from '../search-support.js';
import { fromPayload, pointId, toPayload, toQdrantFilter } from './qdrant-mapping.js';

/** Options of the Qdrant adapter. */
export interface QdrantVectorStoreOptions {
  url: string;
  apiKey?: string;
  /** Metadata keys that get a keyword payload index (`metadata.<key>`). */
  indexedMetadataKeys?: string[];
  /** Request timeout in ms. Default 10000. */
  timeoutMs?: number;
}

const DENSE = 'dense';
const SPARSE = 'bm25';

/**
 * Qdrant adapter: one collection per embedding model (`cairn_<model slug>`), named dense vector `dense` (cosine)
 * and sparse vector `bm25` with the IDF modifier, keyword payload indexes for tenant and filter keys.
 * Call `ensureCollection` for each model at boot: it also records the model's dimension for validation.
 * IDF is computed by Qdrant over the whole collection (all tenants), unlike the embedded store's per-tenant IDF.
 */
export class QdrantVectorStore implements VectorStore {
  private readonly client: QdrantClient;
  private readonly dimensions = new Map<string, number>();

  constructor(private readonly options: QdrantVectorStoreOptions) {
    this.client = new QdrantClient({
      url: options.url,
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
      timeout: options.timeoutMs ?? 10_000,
      checkCompatibility: false,
    });
  }

  /** Physical Qdrant collection of a model. */
  static collectionName(model: string): string {
    return `cairn_${modelSlug(model)}`;
  }

  async ensureCollection(spec: CollectionSpec): Promise<void> {
    requireText(spec.model, 'model');
    if (!Number.isInteger(spec.dimension) || spec.dimension < 1)
      throw new VectorStoreError('dimension must be a positive integer');
    const name = QdrantVectorStore.collectionName(spec.model);
    const { exists } = await this.call('collection exists', () => this.client.collectionExists(name));
    if (!exists) await this.create(name, spec.dimension);
    else await this.checkDimension(name, spec.dimension);
    const keys = [
      'tenant',
      'collection',
      'document_id',
      'chunk_id',
      ...(this.options.indexedMetadataKeys ?? []).map((k) => `metadata.${k}`),
    ];
    for (const field of keys) {
      const schema: Schemas['PayloadFieldSchema'] =
        field === 'tenant' ? { type: 'keyword', is_tenant: true } : 'keyword';
      await this.call(`index ${field}`, () =>
        this.client.createPayloadIndex(name, { field_name: field, field_schema: schema, wait: true }),
      );
    }
    this.dimensions.set(spec.model, spec.dimension);
  }

  /**
   * Writes use `wait: true`: the call returns once the points are applied and searchable, so a ChunksIndexed event
   * published after upsert never races the index. Ordering stays Qdrant's default (`weak`): each document's chunks
   * have a single writer (Kafka partition by document), so there are no concurrent writers to order.
   */
  async upsert(model: string, points: readonly ChunkPoint[]): Promise<void> {
    const dimension = this.dimension(model);
    if (points.length === 0) return;
    const body: Schemas['PointStruct'][] = points.map((point) => {
      requireText(point.tenant, 'tenant');
      requireText(point.id, 'id');
      validatePointVectors(point.id, point.dense, point.sparse, dimension);
      return {
        id: pointId(point.tenant, point.id),
        vector: {
          [DENSE]: Array.from(point.dense),
          [SPARSE]: { indices: [...point.sparse.indices], values: [...point.sparse.values] },
        },
        payload: toPayload(point),
      };
    });
    await this.call('upsert', () =>
      this.client.upsert(QdrantVectorStore.collectionName(model), { wait: true, points: body }),
    );
  }

  async deleteDocument(model: string, tenant: string, documentId: string): Promise<void> {
    this.dimension(model);
    requireText(tenant, 'tenant');
    requireText(documentId, 'documentId');
    const filter = toQdrantFilter(tenant, undefined, { must: [{ key: 'documentId', equals: documentId }] });
    await this.call('delete document', () =>
      this.client.delete(QdrantVectorStore.collectionName(model), { wait: true, filter }),
    );
  }

  async deleteChunks(model: string, tenant: string, chunkIds: readonly string[]): Promise<void> {
    this.dimension(model);
    requireText(tenant, 'tenant');
    if (chunkIds.length === 0) return;
    const filter: Schemas['Filter'] = {
      must: [
        { key: 'tenant', match: { value: tenant } },
        { key: 'chunk_id', match: { any: [...chunkIds] } },
      ],
    };
    await this.call('delete chunks', () =>
      this.client.delete(QdrantVectorStore.collectionName(model), { wait: true, filter }),
    );
  }

  async deleteDocumentExcept(
    model: string,
    tenant: string,
    documentId: string,
    keepChunkIds: readonly string[],
  ): Promise<void> {
    if (keepChunkIds.length === 0) return this.deleteDocument(model, tenant, documentId);
    this.dimension(model);
    requireText(tenant, 'tenant');
    requireText(documentId, 'documentId');
    const filter: Schemas['Filter'] = {
      ...toQdrantFilter(tenant, undefined, { must: [{ key: 'documentId', equals: documentId }] }),
      must_not: [{ key: 'chunk_id', match: { any: [...keepChunkIds] } }],
    };
    await this.call('delete older chunks', () =>
      this.client.delete(QdrantVectorStore.collectionName(model), { wait: true, filter }),
    );
  }

  async search(model: string, request: SearchRequest): Promise<ScoredPoint[]> {
    validateSearch(request, this.dimension(model));
    const filter = toQdrantFilter(request.tenant, request.collections, request.filter);
    const dense = Array.from(request.vector ?? []);
    const sparse = {
      indices: [...(request.sparse?.indices ?? [])],
      values: [...(request.sparse?.values ?? [])],
    };
    if (request.mode === 'keyword' && sparse.indices.length === 0) return [];
    const common = {
      filter,
      limit: request.topK,
      with_payload: true,
      ...(request.minScore === undefined ? {} : { score_threshold: request.minScore }),
    };
    let query: Parameters<QdrantClient['query']>[1];
    if (request.mode === 'dense') query = { ...common, query: dense, using: DENSE };
    else if (request.mode === 'keyword') query = { ...common, query: sparse, using: SPARSE };
    else {
      const limit = prefetchLimit(request.topK);
      const prefetch: Schemas['Prefetch'][] = [{ query: dense, using: DENSE, filter, limit }];
      if (sparse.indices.length > 0) prefetch.push({ query: sparse, using: SPARSE, filter, limit });
      // RRF with an explicit k so the fused ranking matches the embedded adapter (Qdrant's default k differs).
      query = { ...common, prefetch, query: { rrf: { k: RRF_K } } };
    }
    const response = await this.call('query', () =>
      this.client.query(QdrantVectorStore.collectionName(model), query),
    );
    const hits = response.points.map((p) => ({ ...fromPayload(p.payload), score: p.score }));
    // Defence in depth: never hand out another tenant's point even if the filter were mistranslated.
    return finalizeHits(
      hits.filter((h) => h.tenant === request.tenant),
      request,
    );
  }

  async count(model: string, request: CountRequest): Promise<number> {
    this.dimension(model);
    requireText(request.tenant, 'tenant');
    const filter = toQdrantFilter(
      request.tenant,
      undefined,
      request.documentId === undefined
        ? undefined
        : { must: [{ key: 'documentId', equals: request.documentId }] },
    );
    const result = await this.call('count', () =>
      this.client.count(QdrantVectorStore.collectionName(model), { filter, exact: true }),
    );
    return result.count;
  }

  async health(): Promise<VectorStoreHealth> {
    try {
      const info = await this.client.versionInfo();
      return { ok: true, backend: 'qdrant', detail: `qdrant ${info.version}` };
    } catch (error) {
      return { ok: false, backend: 'qdrant', detail: error instanceof Error ? error.message : String(error) };
    }
  }

  async close(): Promise<void> {
    this.dimensions.clear();
  }

  /** Drops a model's collection (tests and re-indexing). */
  async dropCollection(model: string): Promise<void> {
    await this.call('delete collection', () =>
      this.client.deleteCollection(QdrantVectorStore.collectionName(model)),
    );
    this.dimensions.delete(model);
  }

  private async create(name: string, dimension: number): Promise<void> {
    try {
      await this.call('create collection', () =>
        this.client.createCollection(name, {
          vectors: { [DENSE]: { size: dimension, distance: 'Cosine' } },
          sparse_vectors: { [SPARSE]: { modifier: 'idf' } },
        }),
      );
    } catch (error) {
      // Another instance may have won the creation race; then the collection must match.
      const { exists } = await this.call('collection exists', () => this.client.collectionExists(name));
      if (!exists) throw error;
      await this.checkDimension(name, dimension);
    }
  }

  private async checkDimension(name: string, dimension: number): Promise<void> {
    const info = await this.call('get collection', () => this.client.getCollection(name));
    const vectors = info.config.params.vectors as Record<string, Schemas['VectorParams']> | undefined;
    const size = vectors?.[DENSE]?.size;
    if (size !== dimension) {
      throw new VectorStoreError(`collection ${name} has dense size ${String(size)}, expected ${dimension}`);
    }
  }

  private dimension(model: string): number {
    requireText(model, 'model');
    const dimension = this.dimensions.get(model);
    if (dimension === undefined)
      throw new VectorStoreError(`unknown model ${model}: call ensureCollection first`, 'NOT_FOUND');
    return dimension;
  }

  private async call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      const data = (error as { data?: unknown }).data;
      throw new VectorStoreError(
        `qdrant ${operation} failed: ${detail}${data ? ` ${JSON.stringify(data)}` : ''}`,
        'UNAVAILABLE',
      );
    }
  }
}
