import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { HashEmbeddingProvider } from '../providers/hash.embedding-provider.js';
import type { EmbeddingProvider, EmbedOptions } from '../embedding-provider.port.js';
import { CachedEmbedder, contentHash } from './cached-embedder.js';
import { InMemoryEmbeddingCache, type EmbeddingCache } from './embedding-cache.port.js';
import { SqliteEmbeddingCache } from './sqlite.embedding-cache.js';

const dir = mkdtempSync(join(tmpdir(), 'cairn-embedding-cache-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Counts the texts that reach the real provider. */
class CountingProvider implements EmbeddingProvider {
  readonly calls: string[][] = [];
  private readonly inner = new HashEmbeddingProvider({ dimension: 16 });
  readonly model = this.inner.model;
  embed(texts: readonly string[], opts?: EmbedOptions): Promise<Float32Array[]> {
    this.calls.push([...texts]);
    return this.inner.embed(texts, opts);
  }
}

const adapters: [string, () => EmbeddingCache][] = [
  ['in-memory', () => new InMemoryEmbeddingCache()],
  ['sqlite', () => new SqliteEmbeddingCache(join(dir, `cache-${Math.random()}.db`))],
];

for (const [name, create] of adapters) {
  describe(`EmbeddingCache contract: ${name}`, () => {
    it('returns what was stored, per model, and nothing else', async () => {
      const cache = create();
      const v = Float32Array.from([0.25, -1.5, 3]);
      await cache.putMany('m1', [{ hash: 'h1', vector: v }]);
      assert.deepEqual([...(await cache.getMany('m1', ['h1', 'h2']))], [['h1', v]]);
      assert.equal((await cache.getMany('m2', ['h1'])).size, 0);
      await cache.putMany('m1', [{ hash: 'h1', vector: Float32Array.from([9]) }]);
      assert.deepEqual((await cache.getMany('m1', ['h1'])).get('h1'), Float32Array.from([9]));
      await cache.close();
    });

    it('handles more hashes than one lookup query takes', async () => {
      const cache = create();
      const entries = Array.from({ length: 1200 }, (_, i) => ({
        hash: `h${i}`,
        vector: Float32Array.from([i]),
      }));
      await cache.putMany('m', entries);
      const found = await cache.getMany('m', [...entries.map((e) => e.hash), 'absent']);
      assert.equal(found.size, 1200);
      assert.deepEqual(found.get('h1199'), Float32Array.from([1199]));
      await cache.close();
    });

    it('lets CachedEmbedder embed only misses, once per distinct hash, and count them', async () => {
      const cache = create();
      const provider = new CountingProvider();
      const embedder = new CachedEmbedder(provider, cache);
      const chunks = ['alpha beta', 'gamma', 'alpha beta'].map((text) => ({ text, hash: contentHash(text) }));
      const first = await embedder.embedChunks(chunks);
      assert.deepEqual([first.hits, first.misses, first.embedded], [0, 3, 2]);
      assert.deepEqual(provider.calls, [['alpha beta', 'gamma']]);
      const direct = await provider.embed(['gamma']);
      assert.deepEqual(first.vectors[1], direct[0]);
      assert.deepEqual(first.vectors[0], first.vectors[2]);

      provider.calls.length = 0;
      const again = await embedder.embedChunks([...chunks, { text: 'delta', hash: contentHash('delta') }]);
      assert.deepEqual([again.hits, again.misses, again.embedded], [3, 1, 1]);
      assert.deepEqual(provider.calls, [['delta']]);
      assert.deepEqual(again.vectors.slice(0, 3), first.vectors);
      assert.deepEqual(embedder.stats, { hits: 3, misses: 4, embedded: 3 });

      provider.calls.length = 0;
      const reingest = await embedder.embed(['alpha beta', 'gamma', 'delta']);
      assert.equal(reingest.length, 3);
      assert.equal(provider.calls.length, 0, 're-ingesting unchanged content embeds nothing');
      await cache.close();
    });
  });
}

describe('SqliteEmbeddingCache', () => {
  it('keeps vectors across reopening the file', async () => {
    const path = join(dir, 'nested', 'persist.db');
    const first = new SqliteEmbeddingCache(path);
    await first.putMany('m', [{ hash: 'h', vector: Float32Array.from([1, 2, 3]) }]);
    await first.close();
    const second = new SqliteEmbeddingCache(path);
    assert.deepEqual((await second.getMany('m', ['h'])).get('h'), Float32Array.from([1, 2, 3]));
    await second.close();
  });
});
