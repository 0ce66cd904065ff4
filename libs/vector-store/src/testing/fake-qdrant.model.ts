import type { Schemas } from '@qdrant/js-client-rest';

/** An HTTP-level failure the fake answers with (status + Qdrant error message). */
export class FakeQdrantError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A stored point: named dense (normalised) and sparse vectors plus payload. */
export interface StoredPoint {
  id: string | number;
  version: number;
  dense: Map<string, Float32Array>;
  sparse: Map<string, Map<number, number>>;
  payload: Record<string, unknown>;
}

/** A collection's vector config, payload indexes and points. */
export interface FakeCollection {
  denseVectors: Map<string, { size: number; distance: string }>;
  sparseVectors: Map<string, { idf: boolean }>;
  payloadIndexes: Map<string, Schemas['PayloadFieldSchema']>;
  points: Map<string, StoredPoint>;
}

/** Scored points, best first. */
export type Ranked = { point: StoredPoint; score: number }[];

/** Throws the 501 the fake answers for API features it does not implement. */
export function unsupported(what: string): never {
  throw new FakeQdrantError(501, `fake Qdrant does not implement ${what}`);
}

/** L2-normalised copy (Qdrant normalises stored vectors for Cosine). */
export function normalize(v: readonly number[]): Float32Array {
  const norm = Math.hypot(...v);
  return Float32Array.from(v, (x) => (norm > 0 ? x / norm : 0));
}

function payloadValues(payload: Record<string, unknown>, key: string): unknown[] {
  let current: unknown = payload;
  for (const part of key.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return [];
    current = (current as Record<string, unknown>)[part];
  }
  if (current === undefined || current === null) return [];
  return Array.isArray(current) ? current : [current];
}

/** Qdrant filter semantics: every `must`, at least one `should` (if any), no `must_not`. */
export function matchesFilter(point: StoredPoint, filter: Schemas['Filter'] | null | undefined): boolean {
  if (!filter) return true;
  const list = (
    x: Schemas['Condition'] | Schemas['Condition'][] | null | undefined,
  ): Schemas['Condition'][] => (x === null || x === undefined ? [] : Array.isArray(x) ? x : [x]);
  if (filter.min_should) unsupported('min_should');
  const must = list(filter.must);
  const should = list(filter.should);
  const mustNot = list(filter.must_not);
  return (
    must.every((cond) => condition(point, cond)) &&
    (should.length === 0 || should.some((cond) => condition(point, cond))) &&
    !mustNot.some((cond) => condition(point, cond))
  );
}

function condition(point: StoredPoint, cond: Schemas['Condition']): boolean {
  if ('has_id' in cond) return cond.has_id.some((id) => String(id) === String(point.id));
  if ('must' in cond || 'should' in cond || 'must_not' in cond) return matchesFilter(point, cond);
  if (!('key' in cond)) return unsupported('this condition type');
  const field = cond;
  const match = field.match ?? unsupported('field conditions other than match');
  const values = payloadValues(point.payload, field.key);
  if ('value' in match) return values.some((v) => v === match.value);
  if ('any' in match) return values.some((v) => (match.any as unknown[]).includes(v));
  if ('except' in match)
    return values.length > 0 && values.some((v) => !(match.except as unknown[]).includes(v));
  return unsupported('text matches');
}

/** Dot product; 0 when the point lacks the vector. */
export function dot(a: Float32Array, b: Float32Array | undefined): number {
  if (!b) return 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] ?? 0) * (b[i] ?? 0);
  return s;
}

/** Sorts by score desc, then id, in place. */
export function sortRanked(r: Ranked): Ranked {
  return r.sort((a, b) => b.score - a.score || String(a.point.id).localeCompare(String(b.point.id)));
}

/** RRF as Qdrant computes it: Σ 1/(k + rank), rank from 1 (position + 1). */
export function rrf(lists: Ranked[], k: number): Ranked {
  const scores = new Map<string, { point: StoredPoint; score: number }>();
  for (const list of lists) {
    list.forEach(({ point }, i) => {
      const entry = scores.get(String(point.id)) ?? { point, score: 0 };
      entry.score += 1 / (k + i + 1);
      scores.set(String(point.id), entry);
    });
  }
  return sortRanked([...scores.values()]);
}
