/** One cached vector: the embedding of the chunk whose content hash is `hash`. */
export interface CachedEmbedding {
  readonly hash: string;
  readonly vector: Float32Array;
}

/**
 * Port: embeddings keyed by (model name, chunk content hash), so re-ingesting unchanged content
 * embeds nothing. Adapters: SQLite (`node:sqlite`, durable) and in-memory.
 */
export interface EmbeddingCache {
  /** The cached vectors among `hashes` for `model`; absent hashes are simply missing from the map. */
  getMany(model: string, hashes: readonly string[]): Promise<Map<string, Float32Array>>;
  /** Stores (or replaces) vectors for `model`. */
  putMany(model: string, entries: readonly CachedEmbedding[]): Promise<void>;
  /** Releases resources (closes the database). */
  close(): Promise<void>;
}

/** In-memory {@link EmbeddingCache}: for tests and single-process runs without persistence. */
export class InMemoryEmbeddingCache implements EmbeddingCache {
  private readonly entries = new Map<string, Float32Array>();

  getMany(model: string, hashes: readonly string[]): Promise<Map<string, Float32Array>> {
    const found = new Map<string, Float32Array>();
    for (const hash of hashes) {
      const v = this.entries.get(key(model, hash));
      if (v) found.set(hash, v.slice());
    }
    return Promise.resolve(found);
  }

  putMany(model: string, entries: readonly CachedEmbedding[]): Promise<void> {
    for (const e of entries) this.entries.set(key(model, e.hash), e.vector.slice());
    return Promise.resolve();
  }

  /** Number of cached vectors (all models). */
  get size(): number {
    return this.entries.size;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function key(model: string, hash: string): string {
  return `${model}\u0000${hash}`;
}
