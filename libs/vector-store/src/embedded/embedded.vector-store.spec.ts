import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runVectorStoreContract } from '../testing/vector-store.contract.js';
import { VectorStoreError, type ChunkPoint } from '../vector-store.port.js';
import { EmbeddedVectorStore } from './embedded.vector-store.js';

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

/** Seeded PRNG (mulberry32) so the recall check is reproducible. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
  it('rebuilds a stale HNSW index from SQLite after writes made without it', async () => {
    const directory = tempDir();
    const next = rng(7);
    let store = new EmbeddedVectorStore({ directory, annThreshold: 500 });
    await store.ensureCollection({ model: 'm', dimension: 16 });
    await store.upsert('m', points(Array.from({ length: 1000 }, () => randomUnit(next, 16))));
    const q = randomUnit(next, 16);
    await store.search('m', { tenant: 't', mode: 'dense', vector: q, topK: 5 });
    await store.close();
    // A store that never loads the index (threshold above the set size) writes: the saved index is now stale.
    store = new EmbeddedVectorStore({ directory });
    await store.upsert('m', points([q], 5000));
    await store.close();
    store = new EmbeddedVectorStore({ directory, annThreshold: 500 });
    const hits = await store.search('m', { tenant: 't', mode: 'dense', vector: q, topK: 5 });
    assert.equal(hits[0]?.id, 'p5000');
    assert.equal(store.stats.ann, 1);
    assert.deepEqual(
      [store.stats.annLoads, store.stats.annRebuilds],
      [0, 1],
      'stale index rebuilt, not loaded',
    );
    // Writes go straight into the loaded index: a re-upserted point moves, a new one is found.
    const q2 = randomUnit(next, 16);
    await store.upsert('m', points([q2], 5000));
    const moved = await store.search('m', { tenant: 't', mode: 'dense', vector: q2, topK: 5 });
    assert.equal(moved[0]?.id, 'p5000');
    assert.ok((moved[0]?.score ?? 0) > 0.999);
    assert.equal(moved.filter((h) => h.id === 'p5000').length, 1, 'no duplicate after re-upsert');
    assert.equal(store.stats.ann, 2);
    await store.close();
  });

  it('HNSW recall@10 >= 0.9 vs exact on 30k random 64-d vectors, and the index survives restart', async () => {
    const directory = tempDir();
    const dim = 64;
    const n = 30_000;
    const next = rng(42);
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
