import { DatabaseSync } from 'node:sqlite';
import type { IdempotencyStore } from './idempotency-store.port.js';

/** Where a `SqliteIdempotencyStore` keeps its keys. */
export type SqliteIdempotencyStoreOptions =
  /** Opens (and owns) a database file; `:memory:` allowed. */
  | { readonly path: string }
  /** Uses a database owned by the caller (e.g. the embedded bus's log), not closed by `close()`. */
  | { readonly database: DatabaseSync };

/** Idempotency store in a node:sqlite table `idempotency_keys(grp, key, recorded_at)`. */
export class SqliteIdempotencyStore implements IdempotencyStore {
  private readonly db: DatabaseSync;
  private readonly owned: boolean;
  private closed = false;

  constructor(options: SqliteIdempotencyStoreOptions) {
    if ('database' in options) {
      this.db = options.database;
      this.owned = false;
    } else {
      this.db = new DatabaseSync(options.path, { timeout: 5_000 });
      this.db.exec('PRAGMA journal_mode = WAL');
      this.owned = true;
    }
    this.db.exec(`CREATE TABLE IF NOT EXISTS idempotency_keys (
      grp TEXT NOT NULL, key TEXT NOT NULL, recorded_at INTEGER NOT NULL,
      PRIMARY KEY (grp, key)) WITHOUT ROWID`);
  }

  async has(group: string, key: string): Promise<boolean> {
    const row = this.db
      .prepare('SELECT 1 AS found FROM idempotency_keys WHERE grp = ? AND key = ?')
      .get(group, key);
    return row !== undefined;
  }

  async record(group: string, key: string): Promise<void> {
    this.db
      .prepare('INSERT INTO idempotency_keys (grp, key, recorded_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING')
      .run(group, key, Date.now());
  }

  /** Deletes keys recorded before `before` (retention). Returns how many were deleted. */
  prune(before: Date): number {
    const result = this.db
      .prepare('DELETE FROM idempotency_keys WHERE recorded_at < ?')
      .run(before.getTime());
    return Number(result.changes);
  }

  async close(): Promise<void> {
    if (this.owned && !this.closed) this.db.close();
    this.closed = true;
  }
}
