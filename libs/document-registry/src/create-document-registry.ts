import { type DocumentRegistry, DocumentRegistryError } from './document-registry.port.js';
import { PostgresDocumentRegistry } from './postgres/postgres.document-registry.js';
import { SqliteDocumentRegistry } from './sqlite/sqlite.document-registry.js';

/** Which registry adapter to open, and where. */
export interface DocumentRegistryOptions {
  backend: 'sqlite' | 'postgres';
  /** SQLite: database file or `:memory:` (required for `sqlite`). */
  path?: string;
  /** PostgreSQL connection string (required for `postgres`). */
  url?: string;
  /** PostgreSQL schema for the tables (default `cairn_registry`). */
  schema?: string;
}

/**
 * Opens the configured adapter. The one place adapters are chosen; the caller runs `migrate()`.
 */
export function createDocumentRegistry(options: DocumentRegistryOptions): DocumentRegistry {
  switch (options.backend) {
    case 'sqlite':
      if (options.path === undefined || options.path === '')
        throw new DocumentRegistryError('document registry backend sqlite needs a path (or :memory:)');
      return new SqliteDocumentRegistry({ path: options.path });
    case 'postgres':
      if (options.url === undefined || options.url === '')
        throw new DocumentRegistryError('document registry backend postgres needs a url');
      return new PostgresDocumentRegistry({
        url: options.url,
        ...(options.schema === undefined ? {} : { schema: options.schema }),
      });
    default: {
      const unknown: never = options.backend;
      throw new DocumentRegistryError(`unknown document registry backend ${String(unknown)}`);
    }
  }
}
