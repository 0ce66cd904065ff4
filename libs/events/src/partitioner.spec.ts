import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { murmur2, partitionFor } from './partitioner.js';

void describe('partitioner', () => {
  void it('computes the murmur2 of Kafka (test vectors of the Java client)', () => {
    const vectors: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, hash] of vectors) assert.equal(murmur2(key), hash, key);
  });

  void it('maps a key to a stable partition in range, strings and bytes alike', () => {
    for (const key of ['', 'a', 'doc-42', 'ünïcødé']) {
      const p = partitionFor(key, 7);
      assert.ok(p >= 0 && p < 7);
      assert.equal(partitionFor(new TextEncoder().encode(key), 7), p);
    }
    assert.equal(partitionFor('foobar', 3), (-790332482 & 0x7fffffff) % 3);
  });

  void it('rejects a partition count below 1', () => {
    assert.throws(() => partitionFor('a', 0), /partition count/);
  });
});
