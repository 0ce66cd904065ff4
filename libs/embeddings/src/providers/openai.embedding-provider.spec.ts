import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { dot } from '../embedding-provider.port.js';
import { FakeOpenAiEmbeddingsServer } from '../testing/fake-openai-embeddings.server.js';
import { EmbeddingRequestError } from './http-retry.js';
import { OpenAiEmbeddingProvider, type OpenAiEmbeddingOptions } from './openai.embedding-provider.js';

const DIM = 4;

/** A fake embedding of a text: deterministic, not normalized (the provider must normalize). */
function fakeVector(text: string): number[] {
  return [text.length, 1, 2, 3];
}

describe('OpenAiEmbeddingProvider against a fake OpenAI-compatible server', () => {
  const server = new FakeOpenAiEmbeddingsServer({ vector: fakeVector, retryAfter: '2' });
  let baseUrl = '';
  let delays: number[] = [];
  const make = (o: Partial<OpenAiEmbeddingOptions> = {}): OpenAiEmbeddingProvider =>
    new OpenAiEmbeddingProvider({
      baseUrl,
      model: 'fake-embed',
      dimension: DIM,
      maxRetries: 2,
      timeoutMs: 2000,
      random: () => 0.5,
      sleep: (ms) => {
        delays.push(ms);
        return Promise.resolve();
      },
      ...o,
    });

  before(async () => (baseUrl = await server.start()));
  after(() => server.stop());
  beforeEach(() => {
    server.requests.length = 0;
    server.script = [];
    delays = [];
  });

  it('embeds in batches, orders by index, normalizes and sends the bearer key', async () => {
    server.script = ['reversed', 'ok'];
    const texts = ['a', 'bb', 'ccc', 'dddd', 'eeeee'];
    const vectors = await make({ apiKey: 'sk-test', maxInputsPerRequest: 3 }).embed(texts);
    assert.deepEqual(
      server.requests.map((r) => r.input),
      [
        ['a', 'bb', 'ccc'],
        ['dddd', 'eeeee'],
      ],
    );
    assert.ok(server.requests.every((r) => r.authorization === 'Bearer sk-test' && r.model === 'fake-embed'));
    texts.forEach((t, i) => {
      const expected = Float32Array.from(fakeVector(t));
      const norm = Math.sqrt(dot(expected, expected));
      assert.ok(
        Math.abs(dot(vectors[i]!, expected) - norm) < 1e-4,
        `vector ${i} is the normalized embedding of ${t}`,
      );
    });
  });

  it('sends no authorization header without a key', async () => {
    await make().embed(['x']);
    assert.equal(server.requests[0]!.authorization, undefined);
  });

  it('retries a 429 after the Retry-After delay', async () => {
    server.script = ['429', 'ok'];
    const vectors = await make().embed(['x']);
    assert.equal(vectors.length, 1);
    assert.equal(server.requests.length, 2);
    assert.deepEqual(delays, [2000]);
  });

  it('retries a 500 with jittered exponential backoff, then gives up', async () => {
    server.script = ['500', 'ok'];
    await make({ initialBackoffMs: 100 }).embed(['x']);
    assert.deepEqual(delays, [50]);
    server.script = ['500', '500', '500', 'ok'];
    delays = [];
    const err = await make({ initialBackoffMs: 100 })
      .embed(['x'])
      .catch((e: unknown) => e);
    assert.ok(err instanceof EmbeddingRequestError);
    assert.equal(err.status, 500);
    assert.match(err.message, /gave up after 3 attempts/);
    assert.deepEqual(delays, [50, 100]);
  });

  it('fails on a 400 without retrying', async () => {
    server.script = ['400', 'ok'];
    const err = await make()
      .embed(['x'])
      .catch((e: unknown) => e);
    assert.ok(err instanceof EmbeddingRequestError);
    assert.equal(err.status, 400);
    assert.equal(err.retryable, false);
    assert.match(err.message, /400.*bad input/);
    assert.equal(server.requests.length, 1);
  });

  it('times out a hanging request, retries it, and reports a timeout when all hang', async () => {
    server.script = ['hang', 'ok'];
    assert.equal((await make({ timeoutMs: 150 }).embed(['x'])).length, 1);
    assert.equal(server.requests.length, 2);
    server.script = ['hang', 'hang'];
    await assert.rejects(make({ timeoutMs: 150, maxRetries: 1 }).embed(['x']), /timed out after 150 ms/);
  });

  it('retries network errors', async () => {
    const dead = new OpenAiEmbeddingProvider({
      baseUrl: 'http://127.0.0.1:1/v1',
      model: 'm',
      dimension: DIM,
      maxRetries: 1,
      sleep: () => Promise.resolve(),
    });
    await assert.rejects(dead.embed(['x']), /failed: .*gave up after 2 attempts/);
  });

  it('rejects vectors of the wrong dimension', async () => {
    await assert.rejects(make({ dimension: 8 }).embed(['x']), /length 4, expected 8/);
  });

  it('stops when the caller aborts', async () => {
    server.script = ['hang'];
    const controller = new AbortController();
    const pending = make({ timeoutMs: 5000 }).embed(['x'], { signal: controller.signal });
    controller.abort(new Error('caller gave up'));
    await assert.rejects(pending, /caller gave up/);
  });
});
