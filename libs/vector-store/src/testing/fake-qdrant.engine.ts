import type { Schemas } from '@qdrant/js-client-rest';
import type { FakeCollection, Ranked, StoredPoint } from './fake-qdrant.model.js';
import {
  FakeQdrantError,
  dot,
  matchesFilter,
  normalize,
  rrf,
  sortRanked,
  unsupported,
} from './fake-qdrant.model.js';

export { FakeQdrantError } from './fake-qdrant.model.js';

/** In-memory Qdrant semantics for the subset Cairn's adapter uses. */
export class FakeQdrantEngine {
  private readonly collections = new Map<string, FakeCollection>();
  private operationId = 0;

  exists(name: string): boolean {
    return this.collections.has(name);
  }

  create(name: string, body: Schemas['CreateCollection']): void {
    if (this.collections.has(name))
      throw new FakeQdrantError(409, `Wrong input: Collection \`${name}\` already exists!`);
    const vectors = body.vectors;
    const denseVectors = new Map<string, { size: number; distance: string }>();
    if (vectors && typeof vectors === 'object' && !('size' in vectors)) {
      for (const [vname, params] of Object.entries(vectors as Record<string, Schemas['VectorParams']>)) {
        denseVectors.set(vname, { size: params.size, distance: params.distance });
      }
    } else if (vectors) unsupported('unnamed dense vectors');
    for (const { distance } of denseVectors.values())
      if (distance !== 'Cosine') unsupported(`distance ${distance}`);
    const sparseVectors = new Map<string, { idf: boolean }>();
    for (const [vname, params] of Object.entries(body.sparse_vectors ?? {}))
      sparseVectors.set(vname, { idf: params?.modifier === 'idf' });
    this.collections.set(name, { denseVectors, sparseVectors, payloadIndexes: new Map(), points: new Map() });
  }

  drop(name: string): boolean {
    return this.collections.delete(name);
  }

  info(name: string): Schemas['CollectionInfo'] {
    const c = this.get(name);
    const schema: Record<string, Schemas['PayloadIndexInfo']> = {};
    for (const [field, type] of c.payloadIndexes) {
      const dataType = typeof type === 'string' ? type : type.type;
      schema[field] = { data_type: dataType, points: c.points.size };
    }
    return {
      status: 'green',
      optimizer_status: 'ok',
      segments_count: 1,
      points_count: c.points.size,
      indexed_vectors_count: 0,
      payload_schema: schema,
      config: {
        params: {
          vectors: Object.fromEntries(
            [...c.denseVectors].map(([n, v]) => [n, { size: v.size, distance: 'Cosine' as const }]),
          ),
          sparse_vectors: Object.fromEntries(
            [...c.sparseVectors].map(([n, v]) => [
              n,
              { modifier: v.idf ? ('idf' as const) : ('none' as const) },
            ]),
          ),
          shard_number: 1,
          replication_factor: 1,
          write_consistency_factor: 1,
          on_disk_payload: true,
        },
        hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10000 },
        optimizer_config: { default_segment_number: 0, flush_interval_sec: 5 },
        wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0 },
      },
    };
  }

  createIndex(name: string, body: Schemas['CreateFieldIndex']): Schemas['UpdateResult'] {
    this.get(name).payloadIndexes.set(
      body.field_name,
      (body.field_schema ?? 'keyword') as Schemas['PayloadFieldSchema'],
    );
    return this.completed();
  }

  upsert(name: string, body: Schemas['PointInsertOperations']): Schemas['UpdateResult'] {
    const c = this.get(name);
    if (!('points' in body)) unsupported('batch upserts');
    if (body.update_filter || (body.update_mode && body.update_mode !== 'upsert'))
      unsupported('conditional upserts');
    const version = ++this.operationId;
    const staged = body.points.map((p) => this.toStored(c, p, version));
    for (const point of staged) c.points.set(String(point.id), point);
    return { operation_id: version, status: 'completed' };
  }

  delete(name: string, body: Schemas['PointsSelector']): Schemas['UpdateResult'] {
    const c = this.get(name);
    if ('points' in body) for (const id of body.points) c.points.delete(String(id));
    else for (const [key, point] of c.points) if (matchesFilter(point, body.filter)) c.points.delete(key);
    return this.completed();
  }

  count(name: string, body: Schemas['CountRequest']): Schemas['CountResult'] {
    const c = this.get(name);
    return { count: [...c.points.values()].filter((p) => matchesFilter(p, body.filter)).length };
  }

  query(name: string, body: Schemas['QueryRequest']): Schemas['QueryResponse'] {
    const c = this.get(name);
    const ranked = this.run(c, body, undefined, true);
    const offset = body.offset ?? 0;
    const withPayload = body.with_payload === true;
    if (
      body.with_payload !== undefined &&
      body.with_payload !== null &&
      typeof body.with_payload !== 'boolean'
    )
      unsupported('payload selectors');
    if (body.with_vector) unsupported('with_vector');
    return {
      points: ranked.slice(offset, offset + (body.limit ?? 10)).map(({ point, score }) => ({
        id: point.id,
        version: point.version,
        score,
        ...(withPayload ? { payload: point.payload } : {}),
      })),
    };
  }

  private completed(): Schemas['UpdateResult'] {
    return { operation_id: ++this.operationId, status: 'completed' };
  }

  private get(name: string): FakeCollection {
    const c = this.collections.get(name);
    if (!c) throw new FakeQdrantError(404, `Not found: Collection \`${name}\` doesn't exist!`);
    return c;
  }

  private toStored(c: FakeCollection, p: Schemas['PointStruct'], version: number): StoredPoint {
    const vector = p.vector;
    if (Array.isArray(vector) || typeof vector !== 'object' || vector === null)
      unsupported('unnamed vectors');
    const dense = new Map<string, Float32Array>();
    const sparse = new Map<string, Map<number, number>>();
    for (const [vname, value] of Object.entries(vector as Record<string, unknown>)) {
      const denseSpec = c.denseVectors.get(vname);
      if (denseSpec && Array.isArray(value)) {
        if (value.length !== denseSpec.size) {
          throw new FakeQdrantError(
            400,
            `Wrong input: Vector dimension error: expected dim: ${denseSpec.size}, got ${value.length}`,
          );
        }
        dense.set(vname, normalize(value as number[]));
      } else if (c.sparseVectors.has(vname) && value && typeof value === 'object' && 'indices' in value) {
        const sv = value as Schemas['SparseVector'];
        if (sv.indices.length !== sv.values.length || new Set(sv.indices).size !== sv.indices.length) {
          throw new FakeQdrantError(
            400,
            'Wrong input: sparse indices must be unique and match values in length',
          );
        }
        sparse.set(vname, new Map(sv.indices.map((i, k) => [i, sv.values[k] ?? 0])));
      } else throw new FakeQdrantError(400, `Wrong input: Not existing vector name error: ${vname}`);
    }
    for (const vname of c.denseVectors.keys())
      if (!dense.has(vname)) unsupported('points without every dense vector');
    return { id: p.id, version, dense, sparse, payload: p.payload ?? {} };
  }

  /** Evaluates a (sub)query: prefetches first, then nearest or fusion over them. */
  private run(
    c: FakeCollection,
    q: Schemas['QueryRequest'] | Schemas['Prefetch'],
    outer: Schemas['Filter'] | undefined,
    top: boolean,
  ): Ranked {
    const filters = [outer, q.filter ?? undefined].filter((f): f is Schemas['Filter'] => f !== undefined);
    const candidates = [...c.points.values()].filter((p) => filters.every((f) => matchesFilter(p, f)));
    const prefetch =
      q.prefetch === undefined || q.prefetch === null
        ? []
        : Array.isArray(q.prefetch)
          ? q.prefetch
          : [q.prefetch];
    const query = q.query ?? unsupported('queries without `query`');
    let ranked: Ranked;
    if (prefetch.length > 0) {
      const lists = prefetch.map((sub) =>
        this.run(c, sub, filters.length > 0 ? { must: filters } : undefined, false),
      );
      if (typeof query === 'object' && query !== null && 'fusion' in query && query.fusion === 'rrf')
        ranked = rrf(lists, 2);
      else if (typeof query === 'object' && query !== null && 'rrf' in query)
        ranked = rrf(lists, (query as Schemas['RrfQuery']).rrf.k ?? 2);
      else unsupported('re-scoring prefetches with anything but RRF fusion');
    } else {
      const input = typeof query === 'object' && query !== null && 'nearest' in query ? query.nearest : query;
      ranked = this.nearest(c, candidates, input, q.using ?? undefined);
    }
    const threshold = q.score_threshold ?? undefined;
    const kept = threshold === undefined ? ranked : ranked.filter((r) => r.score >= threshold);
    // The top-level limit/offset is applied by `query`; a prefetch keeps its own limit (default 10).
    return top ? kept : kept.slice(0, q.limit ?? 10);
  }

  private nearest(
    c: FakeCollection,
    candidates: StoredPoint[],
    input: unknown,
    using: string | undefined,
  ): Ranked {
    if (!using) unsupported('the default (unnamed) vector');
    if (Array.isArray(input) && input.every((x) => typeof x === 'number')) {
      const spec = c.denseVectors.get(using) ?? unsupported(`dense query on ${using}`);
      if (input.length !== spec.size)
        throw new FakeQdrantError(
          400,
          `Wrong input: Vector dimension error: expected dim: ${spec.size}, got ${input.length}`,
        );
      const q = normalize(input);
      return sortRanked(candidates.map((point) => ({ point, score: dot(q, point.dense.get(using)) })));
    }
    if (input && typeof input === 'object' && 'indices' in input && 'values' in input) {
      const spec = c.sparseVectors.get(using) ?? unsupported(`sparse query on ${using}`);
      const sv = input as Schemas['SparseVector'];
      // IDF over the whole collection, as Qdrant's `modifier: idf` does.
      const withVector = [...c.points.values()].filter((p) => p.sparse.has(using));
      const n = withVector.length;
      const idf = new Map(
        sv.indices.map((i) => {
          const df = withVector.filter((p) => p.sparse.get(using)?.has(i)).length;
          return [i, spec.idf ? Math.log(1 + (n - df + 0.5) / (df + 0.5)) : 1];
        }),
      );
      const out: Ranked = [];
      for (const point of candidates) {
        const doc = point.sparse.get(using);
        if (!doc) continue;
        let score = 0;
        let overlap = false;
        sv.indices.forEach((i, k) => {
          const w = doc.get(i);
          if (w === undefined) return;
          overlap = true;
          score += (sv.values[k] ?? 0) * w * (idf.get(i) ?? 1);
        });
        if (overlap) out.push({ point, score });
      }
      return sortRanked(out);
    }
    return unsupported('this query input');
  }
}
