import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mrrAt, ndcgAt, recallAt } from './ir-metrics.js';

void describe('IR metrics', () => {
  const judged = new Map([
    ['a', 1],
    ['b', 1],
  ]);
  void it('nDCG@10 is 1 for an ideal ranking and lower when relevant documents come later', () => {
    assert.equal(ndcgAt(['a', 'b', 'x'], judged, 10), 1);
    const late = ndcgAt(['x', 'a', 'y', 'b'], judged, 10);
    const expected = (1 / Math.log2(3) + 1 / Math.log2(5)) / (1 + 1 / Math.log2(3));
    assert.ok(Math.abs(late - expected) < 1e-12);
    assert.equal(ndcgAt(['x', 'y'], judged, 10), 0);
  });
  void it('recall@k counts relevant documents within the cut-off', () => {
    assert.equal(recallAt(['a', 'x', 'b'], judged, 2), 0.5);
    assert.equal(recallAt(['a', 'x', 'b'], judged, 3), 1);
  });
  void it('MRR@k is the reciprocal rank of the first relevant document', () => {
    assert.equal(mrrAt(['x', 'y', 'b'], judged, 10), 1 / 3);
    assert.equal(mrrAt(['x', 'y', 'b'], judged, 2), 0);
  });
});
