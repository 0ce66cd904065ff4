import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEmbeddingProvider } from './create-embedding-provider.js';
import { HashEmbeddingProvider } from './providers/hash.embedding-provider.js';
import { OpenAiEmbeddingProvider } from './providers/openai.embedding-provider.js';

describe('createEmbeddingProvider', () => {
  it('builds the configured adapter', async () => {
    const hash = await createEmbeddingProvider({ provider: 'hash', hash: { dimension: 8 } });
    assert.ok(hash instanceof HashEmbeddingProvider);
    assert.equal(hash.model.dimension, 8);
    const openai = await createEmbeddingProvider({
      provider: 'openai',
      openai: { baseUrl: 'http://127.0.0.1:9/v1', model: 'text-embedding-3-small', dimension: 1536 },
    });
    assert.ok(openai instanceof OpenAiEmbeddingProvider);
    assert.deepEqual(openai.model, { name: 'text-embedding-3-small', dimension: 1536, maxTokens: 8191 });
  });

  it('names what is missing', async () => {
    await assert.rejects(createEmbeddingProvider({ provider: 'local' }), /needs modelDir/);
    await assert.rejects(createEmbeddingProvider({ provider: 'openai' }), /needs openai/);
    await assert.rejects(
      createEmbeddingProvider({ provider: 'local', modelDir: '/nonexistent' }),
      /fetch-model\.sh/,
    );
  });
});
