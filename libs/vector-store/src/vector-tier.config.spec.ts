import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { DEFAULT_HNSW } from './embedded/ann-index.js';
import { vectorTierConfigShape } from './vector-tier.config.js';

const schema = z.object(vectorTierConfigShape);

void describe('vector tier config', () => {
  void it('defaults the embedded store HNSW parameters and ANN threshold', () => {
    const { vectorStore } = schema.parse({});
    assert.deepEqual(vectorStore.hnsw, DEFAULT_HNSW);
    assert.equal(vectorStore.annThreshold, 20_000);
  });

  void it('reads HNSW parameters as the environment gives them (strings) and rejects nonsense', () => {
    const { vectorStore } = schema.parse({
      vectorStore: { hnsw: { expansionSearch: '64', quantization: 'f32' }, annThreshold: '5000' },
    });
    assert.deepEqual(vectorStore.hnsw, { ...DEFAULT_HNSW, expansionSearch: 64, quantization: 'f32' });
    assert.equal(vectorStore.annThreshold, 5000);
    assert.throws(() => schema.parse({ vectorStore: { hnsw: { connectivity: '1' } } }));
    assert.throws(() => schema.parse({ vectorStore: { hnsw: { quantization: 'i8' } } }));
  });
});
