import { createHash } from 'node:crypto';
import type { EmbeddingModelInfo, EmbeddingProvider, EmbedOptions } from '../embedding-provider.port.js';
import type { EmbeddingCache } from './embedding-cache.port.js';
import { SpanKind, withSpan } from '@cairn/observability';

/** A chunk to embed: its text and the hash of its content (the cache key with the model name). */
export interface ChunkToEmbed {
  readonly hash: string;
  readonly text: string;
}

/** Outcome of {@link CachedEmbedder.embedChunks}. */
export interface CachedEmbedResult {
  /** One vector per chunk, in input order. */
  readonly vectors: Float32Array[];
  /** Chunks served from the cache. */
  readonly hits: number;
  /** Chunks not in the cache. */
  readonly misses: number;
  /** Texts sent to the provider (misses with distinct hashes). */
  readonly embedded: number;
}

/** Running totals since the embedder was created. */
export interface CachedEmbedderStats {
  hits: number;
  misses: number;
  embedded: number;
}

/** sha256 of the text, hex: the default content hash when a caller has none. */
export function contentHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Wraps a provider with an {@link EmbeddingCache}: looks every chunk up by (model name, hash),
 * embeds only the misses (once per distinct hash), stores them, and counts hits and misses.
 * Itself an {@link EmbeddingProvider} (hashing texts with sha256).
 */
export class CachedEmbedder implements EmbeddingProvider {
  readonly stats: CachedEmbedderStats = { hits: 0, misses: 0, embedded: 0 };

  constructor(
    private readonly provider: EmbeddingProvider,
    private readonly cache: EmbeddingCache,
  ) {}

  get model(): EmbeddingModelInfo {
    return this.provider.model;
  }

  async embed(texts: readonly string[], opts?: EmbedOptions): Promise<Float32Array[]> {
    const result = await this.embedChunks(
      texts.map((text) => ({ text, hash: contentHash(text) })),
      opts,
    );
    return result.vectors;
  }

  /** Embeds chunks through the cache; see {@link CachedEmbedResult} for the counts. */
  async embedChunks(chunks: readonly ChunkToEmbed[], opts?: EmbedOptions): Promise<CachedEmbedResult> {
    const model = this.provider.model.name;
    const cached = await this.cache.getMany(
      model,
      chunks.map((c) => c.hash),
    );
    const toEmbed = new Map<string, string>();
    for (const c of chunks) if (!cached.has(c.hash) && !toEmbed.has(c.hash)) toEmbed.set(c.hash, c.text);
    const hashes = [...toEmbed.keys()];
    const fresh = hashes.length > 0 ? await this.embedTraced([...toEmbed.values()], opts) : [];
    if (fresh.length !== hashes.length) {
      throw new Error(`provider ${model} returned ${fresh.length} vectors for ${hashes.length} texts`);
    }
    await this.cache.putMany(
      model,
      hashes.map((hash, i) => ({ hash, vector: fresh[i]! })),
    );
    const byHash = new Map(cached);
    hashes.forEach((hash, i) => byHash.set(hash, fresh[i]!));
    const hits = chunks.filter((c) => cached.has(c.hash)).length;
    const result: CachedEmbedResult = {
      vectors: chunks.map((c) => byHash.get(c.hash)!.slice()),
      hits,
      misses: chunks.length - hits,
      embedded: hashes.length,
    };
    this.stats.hits += result.hits;
    this.stats.misses += result.misses;
    this.stats.embedded += result.embedded;
    return result;
  }

  /** Closes the wrapped provider (the cache is owned by whoever created it). */
  async close(): Promise<void> {
    await this.provider.close?.();
  }

  /** A provider call as an OpenTelemetry GenAI `embeddings` span. */
  private embedTraced(texts: string[], opts: EmbedOptions | undefined): Promise<Float32Array[]> {
    const { name, dimension } = this.provider.model;
    return withSpan(
      `embeddings ${name}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'gen_ai.operation.name': 'embeddings',
          'gen_ai.request.model': name,
          'gen_ai.embeddings.dimension.count': dimension,
          'cairn.embedding.input_count': texts.length,
        },
      },
      () => this.provider.embed(texts, opts),
    );
  }
}
