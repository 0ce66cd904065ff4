import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenBuckets, type TokenDecision } from './token-bucket.js';

/** A clock the test moves by hand. */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

function allowedCount(decisions: TokenDecision[]): number {
  return decisions.filter((d) => d.allowed).length;
}

describe('TokenBuckets', () => {
  it('allows a burst, then refuses with the wait until the next token', () => {
    const clock = manualClock();
    const buckets = new TokenBuckets({ ratePerSecond: 2, burst: 3, now: clock.now });
    const decisions = Array.from({ length: 5 }, () => buckets.take('acme'));
    assert.equal(allowedCount(decisions), 3);
    assert.deepEqual(decisions[3], { allowed: false, retryAfterMs: 500 });

    clock.advance(200);
    assert.deepEqual(buckets.take('acme'), { allowed: false, retryAfterMs: 300 });
    clock.advance(300);
    assert.deepEqual(buckets.take('acme'), { allowed: true });
    assert.equal(buckets.take('acme').allowed, false);
  });

  it('refills at the rate and never above the burst', () => {
    const clock = manualClock();
    const buckets = new TokenBuckets({ ratePerSecond: 10, burst: 4, now: clock.now });
    for (let i = 0; i < 4; i++) buckets.take('acme');
    clock.advance(60_000);
    const after = Array.from({ length: 6 }, () => buckets.take('acme'));
    assert.equal(allowedCount(after), 4, 'a minute of quiet buys the burst, not 600 calls');
    // Sustained: one call every 100 ms is always allowed.
    for (let i = 0; i < 20; i++) {
      clock.advance(100);
      assert.equal(buckets.take('acme').allowed, true, `call ${i} at the sustained rate`);
    }
  });

  it('keeps one bucket per key', () => {
    const clock = manualClock();
    const buckets = new TokenBuckets({ ratePerSecond: 1, burst: 1, now: clock.now });
    assert.equal(buckets.take('acme').allowed, true);
    assert.equal(buckets.take('acme').allowed, false);
    assert.equal(buckets.take('globex').allowed, true, 'another key is not affected');
  });

  it('bounds the keys it tracks, dropping the least recently used', () => {
    const clock = manualClock();
    const buckets = new TokenBuckets({ ratePerSecond: 1, burst: 1, now: clock.now, maxKeys: 2 });
    buckets.take('a');
    buckets.take('b');
    buckets.take('a');
    buckets.take('c');
    assert.equal(buckets.size, 2);
    assert.equal(buckets.take('a').allowed, false, "'a' was used recently and kept its empty bucket");
    assert.equal(buckets.take('b').allowed, true, "'b' was dropped and starts full");
  });

  it('refuses nonsensical settings', () => {
    assert.throws(() => new TokenBuckets({ ratePerSecond: 0, burst: 1 }), /ratePerSecond/);
    assert.throws(() => new TokenBuckets({ ratePerSecond: 1, burst: 0 }), /burst/);
  });
});
