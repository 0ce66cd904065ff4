import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SparseEncoder, termIndex } from './sparse-encoder.js';
import { reciprocalRankFusion } from './search-support.js';

describe('SparseEncoder', () => {
  const encoder = new SparseEncoder({ avgLen: 4 });

  it('lowercases, splits on unicode words, drops stopwords and Porter-stems', () => {
    assert.deepEqual(encoder.tokenize('The Running dogs of Zürich, and 42 cafés!'), [
      'run',
      'dog',
      'zürich',
      '42',
      'café',
    ]);
    assert.deepEqual(encoder.tokenize('class parties'), ['class', 'parti']);
    assert.deepEqual(encoder.tokenize('connected connection connecting'), ['connect', 'connect', 'connect']);
    assert.deepEqual(new SparseEncoder({ stem: false }).tokenize('Dogs'), ['dogs']);
  });

  it('maps terms to stable unsigned 32-bit indices', () => {
    assert.equal(termIndex('kubernetes'), termIndex('kubernetes'));
    assert.notEqual(termIndex('kubernetes'), termIndex('kubernete'));
    assert.ok(termIndex('x') >= 0 && termIndex('x') <= 0xffffffff);
    assert.equal(termIndex(''), 0x811c9dc5);
  });

  it('weights documents with the BM25 TF part and queries with 1 per unique term', () => {
    const doc = encoder.encodeDocument('zebra zebra lion');
    const len = 3;
    const norm = 1.2 * (1 - 0.75 + (0.75 * len) / 4);
    const zebra = doc.indices.indexOf(termIndex('zebra'));
    const lion = doc.indices.indexOf(termIndex('lion'));
    assert.ok(Math.abs((doc.values[zebra] ?? 0) - (2 * 2.2) / (2 + norm)) < 1e-12);
    assert.ok(Math.abs((doc.values[lion] ?? 0) - 2.2 / (1 + norm)) < 1e-12);
    assert.deepEqual(
      [...doc.indices],
      [...doc.indices].sort((a, b) => a - b),
    );
    assert.deepEqual(encoder.encodeQuery('zebra ZEBRA the lion').values, [1, 1]);
    assert.deepEqual(encoder.encodeQuery('the of and'), { indices: [], values: [] });
  });
});

describe('reciprocalRankFusion', () => {
  it('sums 1/(60 + rank) over lists', () => {
    const scores = reciprocalRankFusion([
      ['a', 'b'],
      ['b', 'c'],
    ]);
    assert.equal(scores.get('a'), 1 / 61);
    assert.equal(scores.get('b'), 1 / 62 + 1 / 61);
    assert.equal(scores.get('c'), 1 / 62);
  });
});
