import type { EmbeddingModelInfo, EmbeddingProvider, EmbedOptions } from '../embedding-provider.port.js';
import { l2Normalize } from '../embedding-provider.port.js';

/** Options of {@link HashEmbeddingProvider}. */
export interface HashEmbeddingOptions {
  /** Vector length. Default 384 (same as the local model, so stores can be swapped in tests). */
  readonly dimension?: number;
}

const TOKEN = /[\p{L}\p{N}]+/gu;
const EMPTY_TOKEN = '\u0000empty';

/** FNV-1a 32-bit over UTF-16 code units, with a seed so two independent hashes come from one function. */
function fnv1a(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * Deterministic, dependency-free embeddings: lowercased word tokens are feature-hashed into
 * `dimension` buckets with a hashed sign, then L2-normalized. Texts sharing words get similar
 * vectors; no semantics. For tests and single-process demos, never for real retrieval quality.
 */
export class HashEmbeddingProvider implements EmbeddingProvider {
  readonly model: EmbeddingModelInfo;

  constructor(options: HashEmbeddingOptions = {}) {
    const dimension = options.dimension ?? 384;
    if (!Number.isInteger(dimension) || dimension < 1) {
      throw new RangeError(`hash embedding dimension must be a positive integer, got ${dimension}`);
    }
    // No input limit; the largest value ModelInfo.max_input_tokens (uint32) can carry, so GetModel can say so.
    this.model = { name: `hash-${dimension}`, dimension, maxTokens: 0xffff_ffff };
  }

  embed(texts: readonly string[], opts: EmbedOptions = {}): Promise<Float32Array[]> {
    opts.signal?.throwIfAborted();
    return Promise.resolve(texts.map((t) => this.embedOne(t)));
  }

  /** The vector of one text, synchronously. */
  embedOne(text: string): Float32Array {
    const v = new Float32Array(this.model.dimension);
    const tokens = text.toLowerCase().match(TOKEN) ?? [EMPTY_TOKEN];
    for (const token of tokens) {
      const bucket = fnv1a(token, 0) % this.model.dimension;
      v[bucket]! += fnv1a(token, 0x9e3779b9) & 1 ? 1 : -1;
    }
    // Every token can cancel out (e.g. "a b" colliding with opposite signs): keep the vector non-zero.
    if (v.every((x) => x === 0)) v[fnv1a(text, 1) % this.model.dimension] = 1;
    return l2Normalize(v);
  }
}
