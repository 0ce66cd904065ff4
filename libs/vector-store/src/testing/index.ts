export { runVectorStoreContract } from './vector-store.contract.js';
export type { VectorStoreContractOptions, VectorStoreHarness } from './vector-store.contract.js';
export { FIXTURE_DIMENSION, basis, chunk, query } from './chunk-fixtures.js';
export { FakeQdrantServer } from './fake-qdrant.server.js';
export type { FakeQdrantOptions, FakeQdrantViolation } from './fake-qdrant.server.js';
export { FakeQdrantEngine, FakeQdrantError } from './fake-qdrant.engine.js';
export { OpenApiValidator, locateQdrantOpenApi } from './openapi-validator.js';
