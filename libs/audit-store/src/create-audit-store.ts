import { type AuditStore, AuditStoreError } from './audit-store.port.js';
import { PostgresAuditStore } from './postgres/postgres.audit-store.js';
import { SqliteAuditStore } from './sqlite/sqlite.audit-store.js';

/** Which store adapter to open, and where. */
export interface AuditStoreOptions {
  readonly backend: 'sqlite' | 'postgres';
  /** SQLite: database file or `:memory:` (required for `sqlite`). */
  readonly path?: string;
  /** PostgreSQL connection string (required for `postgres`). */
  readonly url?: string;
  /** PostgreSQL schema of the tables (default `cairn_audit`). */
  readonly schema?: string;
}

/** Opens the configured adapter: the one place adapters are chosen. The caller runs `migrate()`. */
export function createAuditStore(options: AuditStoreOptions): AuditStore {
  switch (options.backend) {
    case 'sqlite':
      if (!options.path) throw new AuditStoreError('audit store backend sqlite needs a path (or :memory:)');
      return new SqliteAuditStore({ path: options.path });
    case 'postgres':
      if (!options.url) throw new AuditStoreError('audit store backend postgres needs a url');
      return new PostgresAuditStore({
        url: options.url,
        ...(options.schema === undefined ? {} : { schema: options.schema }),
      });
    default: {
      const unknown: never = options.backend;
      throw new AuditStoreError(`unknown audit store backend ${String(unknown)}`);
    }
  }
}
