import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dot } from '../embedding-provider.port.js';
import { HashEmbeddingProvider } from './hash.embedding-provider.js';

describe('HashEmbeddingProvider', () => {
  const provider = new HashEmbeddingProvider({ dimension: 64 });

  it('is deterministic, unit-norm and of the configured dimension', async () => {
    const [a, b] = await provider.embed(['The Quick brown fox', 'the quick BROWN fox']);
    const [c] = await new HashEmbeddingProvider({ dimension: 64 }).embed(['The Quick brown fox']);
    assert.equal(a!.length, 64);
    assert.ok(Math.abs(dot(a!, a!) - 1) < 1e-6);
    assert.deepEqual(a, b);
    assert.deepEqual(a, c);
    assert.equal(provider.model.name, 'hash-64');
  });

  it('has no input limit, within the uint32 the model info of the gRPC API carries', () => {
    assert.equal(provider.model.maxTokens, 2 ** 32 - 1);
  });

  it('scores texts sharing words above unrelated ones', async () => {
    const [a, b, c] = await provider.embed([
      'kafka topic partition offsets',
      'kafka topic offsets',
      'banana bread',
    ]);
    assert.ok(dot(a!, b!) > dot(a!, c!) + 0.3);
  });

  it('gives empty and punctuation-only texts a unit vector', async () => {
    for (const v of await provider.embed(['', '...!?'])) assert.ok(Math.abs(dot(v, v) - 1) < 1e-6);
  });

  it('rejects a bad dimension', () => {
    assert.throws(() => new HashEmbeddingProvider({ dimension: 0 }), /positive integer/);
  });
});
