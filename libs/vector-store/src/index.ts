export type {
  ChunkPayload,
  ChunkPoint,
  CollectionSpec,
  CountRequest,
  FilterCondition,
  FilterKey,
  PointFilter,
  ScoredPoint,
  SearchMode,
  SearchRequest,
  SparseVector,
  VectorStore,
  VectorStoreHealth,
} from './vector-store.port.js';
export { VectorStoreError } from './vector-store.port.js';
export { SparseEncoder, termIndex } from './sparse-encoder.js';
export type { SparseEncoderOptions } from './sparse-encoder.js';
export { RRF_K, modelSlug, prefetchLimit, reciprocalRankFusion } from './search-support.js';
export { EmbeddedVectorStore } from './embedded/embedded.vector-store.js';
export type { EmbeddedSearchStats, EmbeddedVectorStoreOptions } from './embedded/embedded.vector-store.js';
export { DEFAULT_HNSW } from './embedded/ann-index.js';
export type { HnswParams } from './embedded/ann-index.js';
export { QdrantVectorStore } from './qdrant/qdrant.vector-store.js';
export type { QdrantVectorStoreOptions } from './qdrant/qdrant.vector-store.js';
export { pointId } from './qdrant/qdrant-mapping.js';
export * from './vector-tier.config.js';
