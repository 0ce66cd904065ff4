/** A sparse vector: parallel arrays of term indices (unique, uint32) and weights. */
export interface SparseVector {
  indices: number[];
  values: number[];
}

/** Payload of a stored chunk: everything except its vectors. */
export interface ChunkPayload {
  /** Chunk id, unique within (tenant, model). */
  id: string;
  tenant: string;
  collection: string;
  documentId: string;
  documentVersion: number;
  chunkHash: string;
  text: string;
  title: string;
  sourceUri: string;
  headingPath: string[];
  startOffset: number;
  endOffset: number;
  metadata: Record<string, string>;
}

/** A chunk with its dense embedding and its sparse (BM25 term-frequency) vector. */
export interface ChunkPoint extends ChunkPayload {
  dense: Float32Array | number[];
  sparse: SparseVector;
}

/** A search hit: the chunk payload and the score of the requested mode (cosine, BM25 or RRF). */
export interface ScoredPoint extends ChunkPayload {
  score: number;
}

/**
 * Keys a filter condition may use: a top-level chunk field or `metadata.<key>`.
 * Tenant is not a filter key: it is a mandatory argument of every read and delete.
 */
export type FilterKey =
  'collection' | 'documentId' | 'chunkHash' | 'sourceUri' | 'title' | `metadata.${string}`;

/** One filter condition: exact match on a value, or match on any of several values. */
export type FilterCondition = { key: FilterKey; equals: string } | { key: FilterKey; anyOf: string[] };

/** Conjunction of `must` conditions and negated `mustNot` conditions. */
export interface PointFilter {
  must?: FilterCondition[];
  mustNot?: FilterCondition[];
}

/** Retrieval mode: dense vector, sparse keyword (BM25), or RRF fusion of both. */
export type SearchMode = 'dense' | 'keyword' | 'hybrid';

/** A search request; always scoped to one tenant. */
export interface SearchRequest {
  tenant: string;
  /** Restrict to these logical collections (any of). */
  collections?: string[];
  filter?: PointFilter;
  mode: SearchMode;
  /** Query embedding; required for `dense` and `hybrid`. */
  vector?: Float32Array | number[];
  /** Query sparse vector (values 1 per unique term); required for `keyword` and `hybrid`. */
  sparse?: SparseVector;
  topK: number;
  /**
   * Drop hits whose score is below this. The score is the requested mode's: cosine similarity (dense),
   * BM25 (keyword) or the RRF sum (hybrid, at most 2/61 ≈ 0.033).
   */
  minScore?: number;
}

/** Count request; tenant mandatory. */
export interface CountRequest {
  tenant: string;
  documentId?: string;
}

/** Per-model collection definition. */
export interface CollectionSpec {
  /** Embedding model id; one physical collection/index per model. */
  model: string;
  dimension: number;
}

/** Health of the store backend. */
export interface VectorStoreHealth {
  ok: boolean;
  backend: 'embedded' | 'qdrant';
  detail?: string;
}

/**
 * The vector tier port. Points are chunks; one physical collection per embedding model.
 * Every read and delete is scoped to a tenant, and adapters enforce it.
 */
export interface VectorStore {
  /** Creates the per-model collection if missing; fails if it exists with another dimension. */
  ensureCollection(spec: CollectionSpec): Promise<void>;
  /** Inserts or replaces points by (tenant, id). */
  upsert(model: string, points: readonly ChunkPoint[]): Promise<void>;
  /** Deletes every chunk of a document within a tenant. */
  deleteDocument(model: string, tenant: string, documentId: string): Promise<void>;
  /** Deletes the given chunk ids within a tenant. */
  deleteChunks(model: string, tenant: string, chunkIds: readonly string[]): Promise<void>;
  /**
   * Deletes every chunk of a document within a tenant except `keepChunkIds`: what a version that
   * lists all its chunks leaves of older versions, whichever of them were indexed.
   */
  deleteDocumentExcept(
    model: string,
    tenant: string,
    documentId: string,
    keepChunkIds: readonly string[],
  ): Promise<void>;
  /** Scored search, best first, at most `topK` hits. */
  search(model: string, request: SearchRequest): Promise<ScoredPoint[]>;
  /** Counts a tenant's points (optionally of one document). */
  count(model: string, request: CountRequest): Promise<number>;
  health(): Promise<VectorStoreHealth>;
  close(): Promise<void>;
}

/** Error raised for invalid arguments (missing tenant, wrong dimension, unknown model...). */
export class VectorStoreError extends Error {
  constructor(
    message: string,
    readonly code: 'INVALID_ARGUMENT' | 'NOT_FOUND' | 'UNAVAILABLE' = 'INVALID_ARGUMENT',
  ) {
    super(message);
    this.name = 'VectorStoreError';
  }
}
