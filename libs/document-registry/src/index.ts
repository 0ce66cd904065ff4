export * from './document-registry.port.js';
export { createDocumentRegistry, type DocumentRegistryOptions } from './create-document-registry.js';
export {
  SqliteDocumentRegistry,
  type SqliteDocumentRegistryOptions,
} from './sqlite/sqlite.document-registry.js';
export {
  PostgresDocumentRegistry,
  type PostgresDocumentRegistryOptions,
} from './postgres/postgres.document-registry.js';
export { MAX_PAGE_SIZE } from './registry-support.js';
export { guardPostgresPool, isPostgresUnavailable } from './postgres/postgres-pool-guard.js';
