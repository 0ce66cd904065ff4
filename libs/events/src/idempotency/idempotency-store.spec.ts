import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { IdempotencyStore } from './idempotency-store.port.js';
import { InMemoryIdempotencyStore } from './in-memory.idempotency-store.js';
import { SqliteIdempotencyStore } from './sqlite.idempotency-store.js';

const stores: [string, () => IdempotencyStore][] = [
  ['in-memory', () => new InMemoryIdempotencyStore()],
  ['sqlite', () => new SqliteIdempotencyStore({ path: ':memory:' })],
];

for (const [name, make] of stores) {
  void describe(`${name} idempotency store`, () => {
    void it('records keys per group', async () => {
      const store = make();
      assert.equal(await store.has('g1', 'k'), false);
      await store.record('g1', 'k');
      await store.record('g1', 'k');
      assert.equal(await store.has('g1', 'k'), true);
      assert.equal(await store.has('g2', 'k'), false);
      await store.close();
    });
  });
}

void describe('sqlite idempotency store', () => {
  void it('keeps keys across reopening the file, and prunes old ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-idem-'));
    try {
      const path = join(dir, 'keys.db');
      const first = new SqliteIdempotencyStore({ path });
      await first.record('g', 'applied');
      await first.close();
      const second = new SqliteIdempotencyStore({ path });
      assert.equal(await second.has('g', 'applied'), true);
      assert.equal(second.prune(new Date(Date.now() + 1_000)), 1);
      assert.equal(await second.has('g', 'applied'), false);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

void describe('in-memory idempotency store', () => {
  void it('drops the oldest key past its bound', async () => {
    const store = new InMemoryIdempotencyStore(2);
    for (const key of ['a', 'b', 'c']) await store.record('g', key);
    assert.deepEqual(
      [await store.has('g', 'a'), await store.has('g', 'b'), await store.has('g', 'c')],
      [false, true, true],
    );
  });
});
