import { stemmer } from 'stemmer';
import type { SparseVector } from './vector-store.port.js';

/** Options of the BM25 term-frequency encoder. */
export interface SparseEncoderOptions {
  /** BM25 k1 (term-frequency saturation). Default 1.2. */
  k1?: number;
  /** BM25 b (length normalisation). Default 0.75. */
  b?: number;
  /** Fixed average document length in tokens used for length normalisation. Default 256. */
  avgLen?: number;
  /** Reduce English words to their Porter stem (`running` → `run`). Default true. */
  stem?: boolean;
}

const STOPWORDS = new Set(
  (
    'a an and are as at be but by for from has have he her his i if in into is it its of on or she so ' +
    'such that the their then there these they this to was were will with we you your not no do does'
  ).split(' '),
);

const WORD = /[\p{L}\p{N}]+/gu;

/** FNV-1a 32-bit hash of a string's UTF-8 bytes: the stable term → sparse index mapping. */
export function termIndex(term: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(term, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Turns text into BM25 sparse vectors (the `bm25-porter` encoding: changing the tokenizer or
 * stemmer means re-indexing, since stored vectors and queries must agree). Documents carry the BM25 term-frequency part
 * `tf*(k1+1)/(tf+k1*(1-b+b*len/avgLen))`; queries carry 1 per unique term. IDF is applied by the store.
 */
export class SparseEncoder {
  private readonly k1: number;
  private readonly b: number;
  private readonly avgLen: number;
  private readonly stem: boolean;

  constructor(options: SparseEncoderOptions = {}) {
    this.k1 = options.k1 ?? 1.2;
    this.b = options.b ?? 0.75;
    this.avgLen = options.avgLen ?? 256;
    this.stem = options.stem ?? true;
  }

  /** Lowercased unicode word tokens without stopwords, optionally Porter-stemmed. */
  tokenize(text: string): string[] {
    const out: string[] = [];
    for (const match of text.toLowerCase().normalize('NFKC').matchAll(WORD)) {
      const token = match[0];
      if (STOPWORDS.has(token)) continue;
      out.push(this.stem ? stemmer(token) : token);
    }
    return out;
  }

  /** Sparse vector of a document (BM25 TF weights), indices sorted ascending. */
  encodeDocument(text: string): SparseVector {
    const tokens = this.tokenize(text);
    const tf = new Map<number, number>();
    for (const token of tokens) {
      const index = termIndex(token);
      tf.set(index, (tf.get(index) ?? 0) + 1);
    }
    const norm = this.k1 * (1 - this.b + (this.b * tokens.length) / this.avgLen);
    return toSparse(tf, (count) => (count * (this.k1 + 1)) / (count + norm));
  }

  /** Sparse vector of a query: weight 1 per unique term, indices sorted ascending. */
  encodeQuery(text: string): SparseVector {
    const tf = new Map<number, number>();
    for (const token of this.tokenize(text)) tf.set(termIndex(token), 1);
    return toSparse(tf, () => 1);
  }
}

function toSparse(tf: Map<number, number>, weight: (count: number) => number): SparseVector {
  const indices = [...tf.keys()].sort((a, b) => a - b);
  return { indices, values: indices.map((index) => weight(tf.get(index) ?? 0)) };
}
