import type {
  ChunkPayload,
  FilterCondition,
  PointFilter,
  ScoredPoint,
  SearchRequest,
  SparseVector,
} from './vector-store.port.js';
import { VectorStoreError } from './vector-store.port.js';

/** RRF constant used by every adapter. */
export const RRF_K = 60;

/** Candidates fetched per retriever before fusion. */
export function prefetchLimit(topK: number): number {
  return Math.max(topK * 4, 50);
}

/** Fails with INVALID_ARGUMENT unless the value is a non-empty string. */
export function requireText(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new VectorStoreError(`${name} is required`);
  return value;
}

/** Validates a search request against the mode it asks for. */
export function validateSearch(request: SearchRequest, dimension: number): void {
  requireText(request.tenant, 'tenant');
  if (!Number.isInteger(request.topK) || request.topK < 1)
    throw new VectorStoreError('topK must be a positive integer');
  if (request.mode !== 'keyword') {
    if (!request.vector) throw new VectorStoreError(`mode ${request.mode} needs a query vector`);
    if (request.vector.length !== dimension) {
      throw new VectorStoreError(
        `query vector has dimension ${request.vector.length}, collection has ${dimension}`,
      );
    }
  }
  if (request.mode !== 'dense' && !request.sparse)
    throw new VectorStoreError(`mode ${request.mode} needs a sparse query`);
  for (const cond of [...(request.filter?.must ?? []), ...(request.filter?.mustNot ?? [])]) {
    if (typeof cond.key !== 'string' || cond.key.length === 0)
      throw new VectorStoreError('filter key is required');
  }
}

/** Validates a point's vectors before it is written. */
export function validatePointVectors(
  id: string,
  dense: ArrayLike<number>,
  sparse: SparseVector,
  dimension: number,
): void {
  if (dense.length !== dimension)
    throw new VectorStoreError(`point ${id}: dense has dimension ${dense.length}, expected ${dimension}`);
  if (sparse.indices.length !== sparse.values.length)
    throw new VectorStoreError(`point ${id}: sparse indices/values differ in length`);
}

/** L2-normalised copy as Float32Array (zero vectors stay zero). */
export function normalize(vector: ArrayLike<number>): Float32Array {
  const out = Float32Array.from(vector);
  let sum = 0;
  for (const x of out) sum += x * x;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? 0) / norm;
  return out;
}

/** Reciprocal Rank Fusion of ranked id lists: score = Σ 1/(k + rank), rank from 1. */
export function reciprocalRankFusion(lists: readonly (readonly string[])[], k = RRF_K): Map<string, number> {
  const scores = new Map<string, number>();
  for (const list of lists) {
    list.forEach((id, i) => scores.set(id, (scores.get(id) ?? 0) + 1 / (k + i + 1)));
  }
  return scores;
}

/** Value of a filter key on a chunk payload. */
export function fieldValue(point: ChunkPayload, key: string): string | undefined {
  if (key.startsWith('metadata.')) return point.metadata[key.slice('metadata.'.length)];
  switch (key) {
    case 'collection':
      return point.collection;
    case 'documentId':
      return point.documentId;
    case 'chunkHash':
      return point.chunkHash;
    case 'sourceUri':
      return point.sourceUri;
    case 'title':
      return point.title;
    default:
      throw new VectorStoreError(`unknown filter key ${key}`);
  }
}

function matches(point: ChunkPayload, cond: FilterCondition): boolean {
  const value = fieldValue(point, cond.key);
  if (value === undefined) return false;
  return 'equals' in cond ? value === cond.equals : cond.anyOf.includes(value);
}

/** True when the payload satisfies the request's collections and filter. */
export function matchesFilter(
  point: ChunkPayload,
  collections: readonly string[] | undefined,
  filter: PointFilter | undefined,
): boolean {
  if (collections && collections.length > 0 && !collections.includes(point.collection)) return false;
  if (filter?.must && !filter.must.every((c) => matches(point, c))) return false;
  if (filter?.mustNot && filter.mustNot.some((c) => matches(point, c))) return false;
  return true;
}

/** Applies minScore and topK to hits sorted best first. */
export function finalizeHits(hits: ScoredPoint[], request: SearchRequest): ScoredPoint[] {
  const kept = request.minScore === undefined ? hits : hits.filter((h) => h.score >= (request.minScore ?? 0));
  return kept.slice(0, request.topK);
}

/** Lowercase slug of a model id: `[a-z0-9_]`, used in physical collection and file names. */
export function modelSlug(model: string): string {
  const slug = model
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (slug.length === 0)
    throw new VectorStoreError(`model id ${JSON.stringify(model)} has no usable characters`);
  return slug;
}
