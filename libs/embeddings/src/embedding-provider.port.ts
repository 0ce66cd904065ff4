/** What an embedding model is: vectors of different models never mix. */
export interface EmbeddingModelInfo {
  /** Identifies the model and its weights (a cache key and a vector-store collection attribute). */
  readonly name: string;
  /** Length of every vector. */
  readonly dimension: number;
  /** Tokens the model reads per text; longer texts are truncated by the model. */
  readonly maxTokens: number;
}

/** Options of one {@link EmbeddingProvider.embed} call. */
export interface EmbedOptions {
  /** Aborts the call; it rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

/**
 * Port: turns texts into L2-normalized vectors (so a dot product is the cosine similarity).
 * Adapters: `local` (ONNX on this machine), `openai` (any OpenAI-compatible `/v1/embeddings`),
 * `hash` (deterministic feature hashing, for tests). Chosen by config in `createEmbeddingProvider`.
 */
export interface EmbeddingProvider {
  readonly model: EmbeddingModelInfo;
  /** One vector per text, in input order, each of length `model.dimension` and unit norm. */
  embed(texts: readonly string[], opts?: EmbedOptions): Promise<Float32Array[]>;
  /** Releases native resources or connections; the provider is unusable afterwards. */
  close?(): Promise<void>;
}

/** Scales `v` in place to unit L2 norm (a zero vector is left as is) and returns it. */
export function l2Normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  if (sum === 0) return v;
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < v.length; i++) v[i]! *= inv;
  return v;
}

/** Dot product of two vectors of equal length (the cosine similarity for unit vectors). */
export function dot(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError(`vector lengths differ: ${a.length} vs ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
