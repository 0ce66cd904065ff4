import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, it } from 'node:test';
import { runVectorStoreContract } from '../testing/vector-store.contract.js';
import { VectorStoreError, type ChunkPoint } from '../vector-store.port.js';
import { EmbeddedVectorStore } from './embedded.vector-store.js';
import { seededRandom } from '@cairn/testing';

const dirs: string[] = [];
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-vs-'));
  dirs.push(dir);
  return dir;
}

runVectorStoreContract(
  'embedded',
  async () => {
    const directory = tempDir();
    return {
      store: new EmbeddedVectorStore({ directory }),
      reopen: async () => new EmbeddedVectorStore({ directory }),
      dispose: (current) => current.close(),
    };
  },
  { restartable: true },
);

function randomUnit(next: () => number, dim: number): Float32Array {
  const v = Float32Array.from({ length: dim }, () => next() * 2 - 1);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

function points(vectors: Float32Array[], offset = 0): ChunkPoint[] {
  return vectors.map((dense, i) => ({
    id: `p${i + offset}`,
    tenant: 't',
    collection: (i + offset) % 2 === 0 ? 'even' : 'odd',
    documentId: `d${i + offset}`,
    documentVersion: 1,
    chunkHash: '',
    text: '',
    title: '',
    sourceUri: '',
    headingPath: [],
    startOffset: 0,
    endOffset: 0,
    metadata: {},
    dense,
    sparse: { indices: [], values: [] },
  }));
}

describe('EmbeddedVectorStore filters', () => {
  it('refuses a metadata key SQLite cannot name as INVALID_ARGUMENT', async () => {
    const store = new EmbeddedVectorStore({ directory: tempDir() });
    try {
      await store.ensureCollection({ model: 'm', dimension: 4 });
      await store.upsert('m', points([Float32Array.of(1, 0, 0, 0)]));
      for (const key of ['a"b', 'a\\b', 'a\u0000b', '']) {
        await assert.rejects(
          store.search('m', {
            tenant: 't',
            mode: 'dense',
            vector: Float32Array.of(1, 0, 0, 0),
            topK: 1,
            filter: { must: [{ key: `metadata.${key}`, equals: 'x' }] },
          }),
          (error: unknown) =>
            error instanceof VectorStoreError &&
            error.code === 'INVALID_ARGUMENT' &&
            /invalid metadata filter key/.test(error.message),
          JSON.stringify(key),
        );
      }
    } finally {
      await store.close();
    }
  });
});

describe('EmbeddedVectorStore ANN path', () => {
  it("adds points to their set's index as they are written: the first search finds the index built", async () => {
    const directory = tempDir();
    const next = seededRandom(7);
    const store = new EmbeddedVectorStore({ directory, annThreshold: 500 });
    await store.ensureCollection({ model: 'm', dimension: 16 });
    for (let batch = 0; batch < 4; batch++)
      await store.upsert(
        'm',
        points(
          Array.from({ length: 250 }, () => randomUnit(next, 16)),
          batch * 250,
        ),
      );
    const q = randomUnit(next, 16);
    await store.upsert('m', points([q], 5000));
    const hits = await store.search('m', { tenant: 't', mode: 'dense', vector: q, topK: 5 });
    assert.equal(hits[0]?.id, 'p5000');
    assert.ok(Math.abs((hits[0]?.score ?? 0) - 1) < 1e-6, 'the score is the exact cosine, not the f16 one');
    assert.deepEqual(
      [store.stats.ann, store.stats.annLoads, store.stats.annRebuilds],
      [1, 0, 0],
      'searched through indexes built on write, none rebuilt from SQLite',
    );
    // A re-upserted point moves in its index; no duplicate.
    const q2 = randomUnit(next, 16);
    await store.upsert('m', points([q2], 5000));
    const moved = await store.search('m', { tenant: 't', mode: 'dense', vector: q2, topK: 5 });
    assert.equal(moved[0]?.id, 'p5000');
    assert.equal(moved.filter((h) => h.id === 'p5000').length, 1, 'no duplicate after re-upsert');
    assert.equal(await store.count('m', { tenant: 't' }), 1001);
    await store.close();
  });

  it('catches a saved index up with the writes it missed (a crash before its save) instead of rebuilding it', async () => {
    const directory = tempDir();
    const next = seededRandom(11);
    const vectors = Array.from({ length: 1000 }, () => randomUnit(next, 16));
    const first = new EmbeddedVectorStore({ directory, annThreshold: 400 });
    await first.ensureCollection({ model: 'm', dimension: 16 });
    await first.upsert('m', points(vectors));
    await first.close();
    // Writes whose index changes are never saved: the process dies without close().
    const crashed = new EmbeddedVectorStore({ directory, annThreshold: 400 });
    const q = randomUnit(next, 16);
    await crashed.upsert('m', points([q], 5000));
    await crashed.deleteChunks('m', 't', ['p0', 'p2']);
    const reopened = new EmbeddedVectorStore({ directory, annThreshold: 400 });
    const found = await reopened.search('m', { tenant: 't', mode: 'dense', vector: q, topK: 3 });
    assert.equal(found[0]?.id, 'p5000', 'a point written after the save is found');
    for (const deleted of [0, 2]) {
      const hits = await reopened.search('m', {
        tenant: 't',
        collections: ['even'],
        mode: 'dense',
        vector: vectors[deleted] ?? [],
        topK: 10,
      });
      assert.equal(hits.length, 10);
      assert.ok(!hits.some((h) => h.id === `p${deleted}`), `deleted p${deleted} is not found`);
    }
    assert.deepEqual(
      [reopened.stats.annLoads, reopened.stats.annCatchUps, reopened.stats.annRebuilds],
      [2, 1, 0],
      'both collections loaded, the written one caught up, none rebuilt',
    );
    assert.equal(reopened.stats.ann, 3);
    await reopened.close();
  });

  it('rebuilds a saved index built for another DB or with other HNSW parameters', async () => {
    const directory = tempDir();
    const next = seededRandom(5);
    const old = new EmbeddedVectorStore({ directory, annThreshold: 100 });
    await old.ensureCollection({ model: 'm', dimension: 16 });
    await old.upsert('m', points(Array.from({ length: 300 }, () => randomUnit(next, 16))));
    await old.close();
    const withOtherParams = new EmbeddedVectorStore({
      directory,
      annThreshold: 100,
      hnsw: { connectivity: 8 },
    });
    await withOtherParams.search('m', { tenant: 't', mode: 'dense', vector: randomUnit(next, 16), topK: 5 });
    assert.deepEqual([withOtherParams.stats.annLoads, withOtherParams.stats.annRebuilds], [0, 2]);
    await withOtherParams.close();
    // A new DB (the old one deleted) next to the old index files: same pks, other points.
    for (const file of readdirSync(directory))
      if (file.startsWith('vectors.sqlite')) rmSync(join(directory, file));
    const recreated = new EmbeddedVectorStore({ directory, annThreshold: 100, hnsw: { connectivity: 8 } });
    await recreated.ensureCollection({ model: 'm', dimension: 16 });
    const fresh = Array.from({ length: 300 }, () => randomUnit(next, 16));
    await recreated.upsert('m', points(fresh, 1000));
    const hits = await recreated.search('m', { tenant: 't', mode: 'dense', vector: fresh[7] ?? [], topK: 5 });
    assert.equal(hits[0]?.id, 'p1007');
    assert.ok(
      hits.every((h) => Number(h.id.slice(1)) >= 1000),
      'nothing of the old DB',
    );
    assert.equal(recreated.stats.annLoads, 0);
    await recreated.close();
  });

  it('keeps per-collection counts, also for a DB written before they were kept', async () => {
    const directory = tempDir();
    const next = seededRandom(3);
    let store = new EmbeddedVectorStore({ directory });
    await store.ensureCollection({ model: 'm', dimension: 16 });
    await store.upsert('m', points(Array.from({ length: 20 }, () => randomUnit(next, 16))));
    await store.deleteDocument('m', 't', 'd3');
    await store.upsert('m', points([randomUnit(next, 16)], 4)); // replaces p4
    assert.equal(await store.count('m', { tenant: 't' }), 19);
    assert.equal(await store.count('m', { tenant: 'other' }), 0);
    await store.close();
    const db = new DatabaseSync(join(directory, 'vectors.sqlite'));
    db.exec('DROP TABLE point_sets');
    db.close();
    store = new EmbeddedVectorStore({ directory });
    assert.equal(await store.count('m', { tenant: 't' }), 19);
    const odd = await store.search('m', {
      tenant: 't',
      collections: ['odd'],
      mode: 'dense',
      vector: randomUnit(next, 16),
      topK: 20,
    });
    assert.equal(odd.length, 9, 'p1 p5 … p19 without p3');
    await store.close();
  });

  it('HNSW recall@10 >= 0.9 vs exact on 30k random 64-d vectors, and the index survives restart', async () => {
    const directory = tempDir();
    const dim = 64;
    const n = 30_000;
    const next = seededRandom(42);
    const vectors = Array.from({ length: n }, () => randomUnit(next, dim));
    let store = new EmbeddedVectorStore({ directory, annThreshold: 1000 });
    await store.ensureCollection({ model: 'ann', dimension: dim });
    await store.upsert('ann', points(vectors));

    const queries = Array.from({ length: 20 }, () => randomUnit(next, dim));
    let found = 0;
    for (const q of queries) {
      const exact = vectors
        .map((v, i) => ({ i, s: v.reduce((acc, x, j) => acc + x * (q[j] ?? 0), 0) }))
        .sort((a, b) => b.s - a.s)
        .slice(0, 10)
        .map((h) => `p${h.i}`);
      const hits = await store.search('ann', { tenant: 't', mode: 'dense', vector: q, topK: 10 });
      found += hits.filter((h) => exact.includes(h.id)).length;
    }
    const recall = found / (queries.length * 10);
    assert.ok(recall >= 0.9, `recall@10 ${recall}`);
    assert.equal(store.stats.ann, queries.length, 'searches took the ANN path');
    assert.equal(store.stats.exact, 0);

    // Filtered ANN (half the points) still returns only matching points.
    const filtered = await store.search('ann', {
      tenant: 't',
      collections: ['odd'],
      mode: 'dense',
      vector: queries[0] ?? [],
      topK: 10,
    });
    assert.equal(filtered.length, 10);
    assert.ok(filtered.every((h) => h.collection === 'odd'));
    // Another tenant sees nothing even through the shared index.
    assert.deepEqual(
      await store.search('ann', { tenant: 'other', mode: 'dense', vector: queries[0] ?? [], topK: 10 }),
      [],
    );

    // A filter on other fields: candidates are post-filtered in SQL, still through the index.
    const top = (
      await store.search('ann', { tenant: 't', mode: 'dense', vector: queries[0] ?? [], topK: 1 })
    )[0];
    const annBefore = store.stats.ann;
    const others = await store.search('ann', {
      tenant: 't',
      filter: { mustNot: [{ key: 'documentId', equals: top?.documentId ?? '' }] },
      mode: 'dense',
      vector: queries[0] ?? [],
      topK: 10,
    });
    assert.equal(others.length, 10);
    assert.ok(!others.some((h) => h.documentId === top?.documentId));
    assert.equal(store.stats.ann, annBefore + 1, 'the filtered search took the ANN path');

    await store.deleteChunks('ann', 't', [filtered[0]?.id ?? '']);
    await store.close();
    assert.ok(
      readdirSync(directory).some((f) => f.endsWith('.usearch')),
      'index saved beside the DB',
    );

    store = new EmbeddedVectorStore({ directory, annThreshold: 1000 });
    const again = await store.search('ann', {
      tenant: 't',
      collections: ['odd'],
      mode: 'dense',
      vector: queries[0] ?? [],
      topK: 10,
    });
    assert.ok(!again.some((h) => h.id === filtered[0]?.id), 'deleted point stays deleted after restart');
    assert.equal(store.stats.ann, 1);
    assert.deepEqual([store.stats.annLoads, store.stats.annRebuilds], [1, 0], 'fresh index loaded from disk');
    await store.close();
    assert.ok(existsSync(directory));
  });
});
