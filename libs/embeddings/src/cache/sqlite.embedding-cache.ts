import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { CachedEmbedding, EmbeddingCache } from './embedding-cache.port.js';

/** Hashes per `IN (...)` query (well below SQLite's variable limit). */
const LOOKUP_CHUNK = 500;

/**
 * {@link EmbeddingCache} in a SQLite file (`node:sqlite`, Node 24). Vectors are stored as
 * little-endian Float32 blobs. Use `':memory:'` as the path for a throwaway database.
 */
export class SqliteEmbeddingCache implements EmbeddingCache {
  private readonly db: DatabaseSync;
  private readonly insert: StatementSync;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new DatabaseSync(path);
    this.db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      CREATE TABLE IF NOT EXISTS embedding_cache (
        model TEXT NOT NULL,
        chunk_hash TEXT NOT NULL,
        dimension INTEGER NOT NULL,
        vector BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (model, chunk_hash)
      ) WITHOUT ROWID;
    `);
    this.insert = this.db.prepare(
      'INSERT OR REPLACE INTO embedding_cache (model, chunk_hash, dimension, vector, created_at) VALUES (?, ?, ?, ?, ?)',
    );
  }

  getMany(model: string, hashes: readonly string[]): Promise<Map<string, Float32Array>> {
    const found = new Map<string, Float32Array>();
    const unique = [...new Set(hashes)];
    for (let i = 0; i < unique.length; i += LOOKUP_CHUNK) {
      const part = unique.slice(i, i + LOOKUP_CHUNK);
      const rows = this.db
        .prepare(
          `SELECT chunk_hash, dimension, vector FROM embedding_cache WHERE model = ? AND chunk_hash IN (${part.map(() => '?').join(',')})`,
        )
        .all(model, ...part);
      for (const row of rows) {
        const { chunk_hash: hash, dimension, vector } = row;
        if (typeof hash !== 'string' || typeof dimension !== 'number' || !(vector instanceof Uint8Array)) {
          throw new Error(`embedding_cache: malformed row for model ${model}`);
        }
        if (vector.byteLength !== dimension * 4) {
          throw new Error(
            `embedding_cache: vector of ${vector.byteLength} bytes for dimension ${dimension} (${hash})`,
          );
        }
        // Copy into a fresh, aligned buffer: the blob's offset need not be a multiple of 4.
        const copy = new Uint8Array(vector);
        found.set(hash, new Float32Array(copy.buffer, 0, dimension));
      }
    }
    return Promise.resolve(found);
  }

  putMany(model: string, entries: readonly CachedEmbedding[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    const now = Date.now();
    this.db.exec('BEGIN');
    try {
      for (const { hash, vector } of entries) {
        const bytes = new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength);
        this.insert.run(model, hash, vector.length, bytes, now);
      }
      this.db.exec('COMMIT');
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (this.db.isOpen) this.db.close();
    return Promise.resolve();
  }
}
