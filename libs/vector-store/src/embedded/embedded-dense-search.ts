import type { SearchRequest } from '../vector-store.port.js';
import type { AnnRegistry } from './ann-registry.js';
import type { PointSet } from './sqlite-point-sets.js';
import type { SqlitePointsRepository } from './sqlite-points.repository.js';
import type { SqlFragment } from './sqlite-where.js';

/** Ranked point pks, best first. */
export type Ranked = { pk: number; score: number }[];

/** Distinct filters whose point counts are remembered. */
const COUNT_CACHE_ENTRIES = 1_024;

/**
 * Dense retrieval of the embedded store. The request's sets (its tenant's collections, or those it names)
 * and their sizes come from the per-set counts. Below `annThreshold` candidates the points are scored
 * exactly; above it each set's own HNSW index is searched and the results merged, with nothing to filter
 * out. Only a filter on other fields (document, metadata, ...) needs the SQL count of its matches (to
 * size the over-fetch) and an SQL post-filter of the candidates. Returned scores are exact cosines of
 * the stored f32 vectors, whatever the index's precision.
 */
export class EmbeddedDenseSearch {
  readonly stats = { exact: 0, ann: 0, annFallbacks: 0 };
  private readonly counts = new Map<string, { generation: number; count: number }>();

  constructor(
    private readonly repo: SqlitePointsRepository,
    private readonly ann: AnnRegistry,
    private readonly annThreshold: number,
  ) {}

  search(
    model: string,
    dimension: number,
    request: SearchRequest,
    where: SqlFragment,
    query: Float32Array,
    limit: number,
  ): Ranked {
    const sizes = this.repo.sets.collections(model, request.tenant);
    const named = request.collections && request.collections.length > 0 ? request.collections : undefined;
    const collections = named ? [...new Set(named)].filter((c) => sizes.has(c)) : [...sizes.keys()];
    const inSets = collections.reduce((sum, c) => sum + (sizes.get(c) ?? 0), 0);
    if (inSets === 0) return [];
    const filtered = (request.filter?.must?.length ?? 0) + (request.filter?.mustNot?.length ?? 0) > 0;
    const candidates = filtered ? this.count(model, where) : inSets;
    if (candidates >= this.annThreshold) {
      const sets = collections.map((collection) => ({ model, tenant: request.tenant, collection }));
      // A filter keeps candidates/inSets of what the indexes return: over-fetch in proportion.
      const fetch = filtered
        ? Math.min(inSets, Math.ceil((limit * 2 * inSets) / Math.max(candidates, 1)) + 64)
        : limit;
      let hits = this.annSearch(sets, dimension, query, fetch);
      if (filtered) {
        const allowed = this.repo.filterPks(
          hits.map((h) => h.pk),
          where,
        );
        hits = hits.filter((h) => allowed.has(h.pk));
      }
      if (hits.length >= Math.min(limit, candidates)) {
        this.stats.ann++;
        return this.exactScores(hits.slice(0, limit), query);
      }
      this.stats.annFallbacks++;
    }
    this.stats.exact++;
    return exactTopK(this.repo.denseVectors(where), query, limit);
  }

  private annSearch(sets: readonly PointSet[], dimension: number, query: Float32Array, k: number): Ranked {
    const hits: Ranked = [];
    for (const set of sets) hits.push(...this.ann.acquire(set, dimension).search(query, k));
    return sets.length === 1 ? hits : hits.sort((a, b) => b.score - a.score);
  }

  /** Re-scores candidates with their stored vectors (the index may hold them in f16) and re-sorts. */
  private exactScores(hits: Ranked, query: Float32Array): Ranked {
    const vectors = this.repo.denseOf(hits.map((h) => h.pk));
    const scored: Ranked = [];
    for (const { pk } of hits) {
      const dense = vectors.get(pk);
      if (dense) scored.push({ pk, score: dot(query, dense) });
    }
    return scored.sort((a, b) => b.score - a.score || a.pk - b.pk);
  }

  /** Points matching a filtered `where`, remembered per write generation of the model. */
  private count(model: string, where: SqlFragment): number {
    const generation = this.repo.model(model)?.generation ?? 0;
    const key = `${model}\u0000${where.sql}\u0000${JSON.stringify(where.params)}`;
    const cached = this.counts.get(key);
    if (cached && cached.generation === generation) return cached.count;
    const count = this.repo.count(where);
    if (this.counts.size >= COUNT_CACHE_ENTRIES) this.counts.clear();
    this.counts.set(key, { generation, count });
    return count;
  }
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] ?? 0) * (b[i] ?? 0);
  return sum;
}

function exactTopK(
  vectors: Iterable<{ pk: number; dense: Float32Array }>,
  query: Float32Array,
  limit: number,
): Ranked {
  const all: Ranked = [];
  for (const { pk, dense } of vectors) all.push({ pk, score: dot(query, dense) });
  return all.sort((a, b) => b.score - a.score || a.pk - b.pk).slice(0, limit);
}
