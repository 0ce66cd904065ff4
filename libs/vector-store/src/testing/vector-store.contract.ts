import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { ChunkPoint, ScoredPoint, SearchRequest, VectorStore } from '../vector-store.port.js';
import { FIXTURE_DIMENSION, basis, chunk, query } from './chunk-fixtures.js';

/** A store under test; `reopen` (close + open on the same data) enables the restart test. */
export interface VectorStoreHarness {
  store: VectorStore;
  reopen?: () => Promise<VectorStore>;
  /** Closes whatever store is current and removes test data. */
  dispose(current: VectorStore): Promise<void>;
}

/** Options of the contract run. */
export interface VectorStoreContractOptions {
  /** Skip the whole suite with this reason (e.g. no backend configured). */
  skip?: string;
  /** The harness provides `reopen`; otherwise the restart test is skipped. */
  restartable?: boolean;
}

/**
 * The behaviour every VectorStore adapter must have. Each test gets a fresh harness and its own model,
 * so the suite can also run against a shared real backend.
 */
export function runVectorStoreContract(
  name: string,
  makeStore: () => Promise<VectorStoreHarness>,
  options: VectorStoreContractOptions = {},
): void {
  const scenario = (
    title: string,
    body: (s: Scenario) => Promise<void>,
    skip: string | false = false,
  ): void => {
    void it(title, { skip }, async () => {
      const harness = await makeStore();
      const s = new Scenario(harness);
      try {
        await harness.store.ensureCollection({ model: s.model, dimension: FIXTURE_DIMENSION });
        await body(s);
      } finally {
        await harness.dispose(s.store);
      }
    });
  };

  void describe(`VectorStore contract: ${name}`, { skip: options.skip ?? false }, () => {
    scenario('health is ok and ensureCollection is idempotent but rejects another dimension', async (s) => {
      assert.equal((await s.store.health()).ok, true);
      await s.store.ensureCollection({ model: s.model, dimension: FIXTURE_DIMENSION });
      await assert.rejects(
        s.store.ensureCollection({ model: s.model, dimension: FIXTURE_DIMENSION + 1 }),
        /dimension|size/,
      );
      await assert.rejects(s.store.upsert(s.model, [s.point('bad', [1, 2, 3])]), /dimension/);
    });

    scenario('dense search returns the nearest point first with its payload', async (s) => {
      await s.upsert([
        s.point('a', basis(0)),
        s.point('b', basis(1), { metadata: { lang: 'en' } }),
        s.point('c', basis(2)),
      ]);
      const hits = await s.search({ mode: 'dense', vector: basis(1, { 0: 0.2 }), topK: 2 });
      assert.deepEqual(
        hits.map((h) => h.id),
        ['b', 'a'],
      );
      const top = hits[0];
      assert.ok(top && top.score > 0.95 && top.score <= 1.0001, `cosine score ${top?.score}`);
      assert.equal(top?.tenant, s.tenant);
      assert.deepEqual(top?.metadata, { lang: 'en' });
      assert.deepEqual(top?.headingPath, ['Intro', 'b']);
      assert.equal(top?.documentId, 'doc-b');
      assert.ok(!('dense' in (top ?? {})) && !('sparse' in (top ?? {})), 'hits carry no vectors');
    });

    scenario(
      'keyword search finds the document with the exact term and nothing for an unknown term',
      async (s) => {
        await s.upsert([
          s.point('fox', basis(0), { text: 'The quick brown fox jumps over the lazy dog' }),
          s.point('k8s', basis(1), { text: 'A Kubernetes operator reconciles deployments continuously' }),
          s.point('cat', basis(2), { text: 'Cats sleep most of the day in the sun' }),
        ]);
        const hits = await s.search({ mode: 'keyword', sparse: query('kubernetes'), topK: 3 });
        assert.deepEqual(
          hits.map((h) => h.id),
          ['k8s'],
        );
        assert.ok((hits[0]?.score ?? 0) > 0);
        assert.deepEqual(await s.search({ mode: 'keyword', sparse: query('zeppelin'), topK: 3 }), []);
      },
    );

    scenario('hybrid ranks the point that is good on both dense and keyword on top', async (s) => {
      const fillers = [3, 4, 5, 6, 7].map((d, i) =>
        s.point(`f${i}`, basis(0, { [d]: 1.2 }), { text: `plain filler text ${i}` }),
      );
      await s.upsert([
        s.point('dense-only', basis(0), { text: 'horses run across the plain' }),
        s.point('both', basis(0, { 1: 0.3 }), { text: 'zebra stripes seen on the savanna grassland' }),
        s.point('keyword-only', basis(2), { text: 'zebra zebra zebra' }),
        ...fillers,
      ]);
      const request = { vector: basis(0), sparse: query('zebra'), topK: 3 } as const;
      assert.equal((await s.search({ ...request, mode: 'dense' }))[0]?.id, 'dense-only');
      assert.equal((await s.search({ ...request, mode: 'keyword' }))[0]?.id, 'keyword-only');
      const hybrid = await s.search({ ...request, mode: 'hybrid' });
      assert.equal(hybrid[0]?.id, 'both');
      assert.equal(hybrid.length, 3);
    });

    scenario('tenants are isolated for search, count and deletes', async (s) => {
      const other = `${s.tenant}-other`;
      await s.upsert([
        s.point('x', basis(0), { text: 'shared secret plan' }),
        chunk({ id: 'x', tenant: other, dense: basis(0), text: 'other tenant secret' }),
      ]);
      const mine = await s.search({ mode: 'hybrid', vector: basis(0), sparse: query('secret'), topK: 10 });
      assert.deepEqual(
        mine.map((h) => [h.id, h.tenant, h.text]),
        [['x', s.tenant, 'shared secret plan']],
      );
      const theirs = await s.store.search(s.model, {
        tenant: other,
        mode: 'keyword',
        sparse: query('secret'),
        topK: 10,
      });
      assert.deepEqual(
        theirs.map((h) => h.text),
        ['other tenant secret'],
      );
      await s.store.deleteDocument(s.model, other, 'doc-x');
      assert.equal(await s.store.count(s.model, { tenant: other }), 0);
      assert.equal(await s.store.count(s.model, { tenant: s.tenant }), 1);
      await s.upsert([chunk({ id: 'x', tenant: other, dense: basis(0) })]);
      await s.store.deleteChunks(s.model, s.tenant, ['x']);
      assert.equal(await s.store.count(s.model, { tenant: s.tenant }), 0);
      assert.equal(await s.store.count(s.model, { tenant: other }), 1);
      await assert.rejects(s.store.search(s.model, { tenant: '', mode: 'dense', vector: basis(0), topK: 1 }));
    });

    scenario('collection and metadata filters: must, mustNot, anyOf', async (s) => {
      await s.upsert([
        s.point('en', basis(0), { collection: 'docs', metadata: { lang: 'en' } }),
        s.point('de', basis(0, { 1: 0.1 }), { collection: 'wiki', metadata: { lang: 'de' } }),
        s.point('fr', basis(0, { 1: 0.2 }), { collection: 'wiki', metadata: { lang: 'fr' } }),
        s.point('none', basis(0, { 1: 0.3 }), { collection: 'docs' }),
      ]);
      const ids = async (extra: Partial<SearchRequest>): Promise<string[]> =>
        (await s.search({ mode: 'dense', vector: basis(0), topK: 10, ...extra })).map((h) => h.id).sort();
      assert.deepEqual(await ids({ collections: ['wiki'] }), ['de', 'fr']);
      assert.deepEqual(await ids({ filter: { must: [{ key: 'metadata.lang', equals: 'de' }] } }), ['de']);
      assert.deepEqual(await ids({ filter: { must: [{ key: 'metadata.lang', anyOf: ['de', 'en'] }] } }), [
        'de',
        'en',
      ]);
      assert.deepEqual(await ids({ filter: { mustNot: [{ key: 'metadata.lang', equals: 'en' }] } }), [
        'de',
        'fr',
        'none',
      ]);
      assert.deepEqual(
        await ids({ collections: ['wiki'], filter: { mustNot: [{ key: 'metadata.lang', anyOf: ['fr'] }] } }),
        ['de'],
      );
      assert.deepEqual(await ids({ filter: { must: [{ key: 'documentId', equals: 'doc-none' }] } }), [
        'none',
      ]);
    });

    scenario(
      'deleteDocument removes all its chunks; deleteChunks and deleteDocumentExcept only some',
      async (s) => {
        const doc = { documentId: 'manual' };
        await s.upsert([
          s.point('m1', basis(0), { ...doc, text: 'alpha manual page' }),
          s.point('m2', basis(1), { ...doc, text: 'beta manual page' }),
          s.point('m3', basis(2), { ...doc, text: 'gamma manual page' }),
          s.point('keep', basis(3), { text: 'unrelated manual note' }),
        ]);
        assert.equal(await s.store.count(s.model, { tenant: s.tenant, documentId: 'manual' }), 3);
        await s.store.deleteChunks(s.model, s.tenant, ['m2']);
        assert.equal(await s.store.count(s.model, { tenant: s.tenant, documentId: 'manual' }), 2);
        await s.store.deleteDocumentExcept(s.model, s.tenant, 'manual', ['m3', 'keep']);
        assert.equal(await s.store.count(s.model, { tenant: s.tenant, documentId: 'manual' }), 1);
        assert.equal(await s.store.count(s.model, { tenant: s.tenant }), 2, 'other documents are left alone');
        await s.store.deleteDocument(s.model, s.tenant, 'manual');
        assert.equal(await s.store.count(s.model, { tenant: s.tenant, documentId: 'manual' }), 0);
        const hits = await s.search({ mode: 'hybrid', vector: basis(0), sparse: query('manual'), topK: 10 });
        assert.deepEqual(
          hits.map((h) => h.id),
          ['keep'],
        );
      },
    );

    scenario('re-upserting the same id replaces the point (no duplicates, old terms gone)', async (s) => {
      await s.upsert([s.point('r', basis(0), { text: 'original walrus text' })]);
      await s.upsert([s.point('r', basis(1), { text: 'rewritten penguin text', documentVersion: 2 })]);
      assert.equal(await s.store.count(s.model, { tenant: s.tenant }), 1);
      assert.deepEqual(await s.search({ mode: 'keyword', sparse: query('walrus'), topK: 5 }), []);
      const hits = await s.search({ mode: 'dense', vector: basis(1), topK: 5 });
      assert.deepEqual(
        hits.map((h) => [h.id, h.text, h.documentVersion]),
        [['r', 'rewritten penguin text', 2]],
      );
    });

    scenario('minScore drops weaker hits', async (s) => {
      await s.upsert([
        s.point('near', basis(0)),
        s.point('mid', basis(0, { 1: 1 })),
        s.point('far', basis(1)),
      ]);
      const hits = await s.search({ mode: 'dense', vector: basis(0), topK: 10, minScore: 0.5 });
      assert.deepEqual(
        hits.map((h) => h.id),
        ['near', 'mid'],
      );
      assert.ok(hits.every((h) => h.score >= 0.5));
    });

    scenario(
      'restart keeps everything (close + reopen on the same data)',
      async (s) => {
        assert.ok(s.harness.reopen, 'harness must provide reopen');
        await s.upsert([
          s.point('p1', basis(0), { text: 'durable heron' }),
          s.point('p2', basis(1), { text: 'durable crane' }),
        ]);
        await s.store.deleteChunks(s.model, s.tenant, ['p2']);
        s.store = await s.harness.reopen();
        assert.equal(await s.store.count(s.model, { tenant: s.tenant }), 1);
        const hits = await s.search({ mode: 'hybrid', vector: basis(0), sparse: query('heron'), topK: 5 });
        assert.deepEqual(
          hits.map((h) => h.id),
          ['p1'],
        );
      },
      options.restartable ? false : 'adapter has no local restart (server-side durability)',
    );
  });
}

/** Per-test state: a unique model and tenant on a fresh store. */
class Scenario {
  readonly model = `contract-${randomUUID().slice(0, 8)}`;
  readonly tenant = `tenant-${randomUUID().slice(0, 8)}`;
  store: VectorStore;

  constructor(readonly harness: VectorStoreHarness) {
    this.store = harness.store;
  }

  point(id: string, dense: number[], extra: Partial<ChunkPoint> = {}): ChunkPoint {
    return chunk({ id, tenant: this.tenant, dense, ...extra });
  }

  upsert(points: ChunkPoint[]): Promise<void> {
    return this.store.upsert(this.model, points);
  }

  search(request: Omit<SearchRequest, 'tenant'>): Promise<ScoredPoint[]> {
    return this.store.search(this.model, { tenant: this.tenant, ...request });
  }
}
