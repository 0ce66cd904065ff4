import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { dot } from '../embedding-provider.port.js';
import { EmbeddingRequestError } from './http-retry.js';
import { OpenAiEmbeddingProvider, type OpenAiEmbeddingOptions } from './openai.embedding-provider.js';

type Behaviour = 'ok' | 'reversed' | '429' | '500' | '400' | 'hang';

interface SeenRequest {
  readonly input: string[];
  readonly model: string;
  readonly authorization: string | undefined;
}

const DIM = 4;

/** A fake embedding of a text: deterministic, not normalized (the provider must normalize). */
function fakeVector(text: string): number[] {
  return [text.length, 1, 2, 3];
}

/** A loopback server speaking the OpenAI embeddings wire format, with scripted behaviours. */
class FakeEmbeddingsServer {
  readonly seen: SeenRequest[] = [];
  script: Behaviour[] = [];
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server?.close((e) => (e ? reject(e) : resolve())));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    const body = JSON.parse(raw) as { model: string; input: string[] };
    this.seen.push({ input: body.input, model: body.model, authorization: req.headers.authorization });
    assert.equal(req.url, '/v1/embeddings');
    const behaviour = this.script.shift() ?? 'ok';
    const json = (status: number, value: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
    };
    switch (behaviour) {
      case 'hang':
        return; // never answers; the client's timeout must fire
      case '429':
        return json(429, { error: { message: 'slow down' } }, { 'retry-after': '2' });
      case '500':
        return json(500, { error: { message: 'boom' } });
      case '400':
        return json(400, { error: { message: 'bad input' } });
      case 'ok':
      case 'reversed': {
        const data = body.input.map((t, index) => ({ object: 'embedding', index, embedding: fakeVector(t) }));
        if (behaviour === 'reversed') data.reverse();
        return json(200, { object: 'list', model: body.model, data });
      }
    }
  }
}

describe('OpenAiEmbeddingProvider against a fake OpenAI-compatible server', () => {
  const server = new FakeEmbeddingsServer();
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
    server.seen.length = 0;
    server.script = [];
    delays = [];
  });

  it('embeds in batches, orders by index, normalizes and sends the bearer key', async () => {
    server.script = ['reversed', 'ok'];
    const texts = ['a', 'bb', 'ccc', 'dddd', 'eeeee'];
    const vectors = await make({ apiKey: 'sk-test', maxInputsPerRequest: 3 }).embed(texts);
    assert.deepEqual(
      server.seen.map((r) => r.input),
      [
        ['a', 'bb', 'ccc'],
        ['dddd', 'eeeee'],
      ],
    );
    assert.ok(server.seen.every((r) => r.authorization === 'Bearer sk-test' && r.model === 'fake-embed'));
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
    assert.equal(server.seen[0]!.authorization, undefined);
  });

  it('retries a 429 after the Retry-After delay', async () => {
    server.script = ['429', 'ok'];
    const vectors = await make().embed(['x']);
    assert.equal(vectors.length, 1);
    assert.equal(server.seen.length, 2);
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
    assert.equal(server.seen.length, 1);
  });

  it('times out a hanging request, retries it, and reports a timeout when all hang', async () => {
    server.script = ['hang', 'ok'];
    assert.equal((await make({ timeoutMs: 150 }).embed(['x'])).length, 1);
    assert.equal(server.seen.length, 2);
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
