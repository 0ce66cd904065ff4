import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HashEmbeddingProvider } from '../providers/hash.embedding-provider.js';

/** How the fake answers one request: taken in order from `script`, then `ok`. */
export type FakeEmbeddingsBehaviour = 'ok' | 'reversed' | '429' | '500' | '400' | 'hang';

/** A request the fake received. */
export interface FakeEmbeddingsRequest {
  readonly input: string[];
  readonly model: string;
  readonly authorization: string | undefined;
  readonly path: string;
  /** What the fake answered (or will answer, while held). */
  readonly behaviour: FakeEmbeddingsBehaviour;
}

/** Options of {@link FakeOpenAiEmbeddingsServer}. */
export interface FakeOpenAiEmbeddingsOptions {
  /** Vector of a text; defaults to feature hashing of its words (similar texts, similar vectors). */
  readonly vector?: (text: string) => number[];
  /** Vector size of the default vectors (default 64). */
  readonly dimension?: number;
  /** `Retry-After` header of 429 answers, seconds (default "1"). */
  readonly retryAfter?: string;
}

/**
 * A loopback HTTP server speaking the OpenAI `POST /v1/embeddings` wire format, for tests of
 * callers: scripted failures (429 with Retry-After, 500, 400, a hang), recorded requests, and a
 * gate (`hold()` / `release()`) that keeps answers back, to observe how callers behave while the
 * model is slow. Tracks how many requests are in flight at once.
 */
export class FakeOpenAiEmbeddingsServer {
  readonly requests: FakeEmbeddingsRequest[] = [];
  script: FakeEmbeddingsBehaviour[] = [];
  /**
   * Chooses the answer from the request's inputs before `script` is consulted (undefined: fall back
   * to the script), e.g. to make the requests that carry one document fail.
   */
  behaviourFor: ((input: readonly string[]) => FakeEmbeddingsBehaviour | undefined) | undefined;
  /** Requests received and not yet answered. */
  inFlight = 0;
  /** The most requests ever in flight at once. */
  maxInFlight = 0;
  private server: Server | undefined;
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;
  private readonly vector: (text: string) => number[];

  constructor(private readonly options: FakeOpenAiEmbeddingsOptions = {}) {
    const hashing = new HashEmbeddingProvider({ dimension: options.dimension ?? 64 });
    this.vector = options.vector ?? ((text) => Array.from(hashing.embedOne(text)));
  }

  /** Starts on 127.0.0.1 and resolves the base URL (`http://127.0.0.1:<port>/v1`). */
  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        res.writeHead(500).end(String(error));
      });
    });
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  }

  async stop(): Promise<void> {
    this.release();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
  }

  /** Holds every answer back until `release()`. */
  hold(): void {
    this.gate ??= new Promise<void>((resolve) => {
      this.openGate = resolve;
    });
  }

  /** Lets held and future requests be answered. */
  release(): void {
    this.openGate?.();
    this.gate = undefined;
    this.openGate = undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    const json = (status: number, value: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
    };
    if (req.method !== 'POST' || req.url !== '/v1/embeddings') {
      return json(404, { error: { message: `no route ${req.method} ${req.url}` } });
    }
    let body: { model?: unknown; input?: unknown };
    try {
      body = JSON.parse(raw) as { model?: unknown; input?: unknown };
    } catch {
      return json(400, { error: { message: 'body is not JSON' } });
    }
    const { model, input } = body;
    if (typeof model !== 'string' || !Array.isArray(input) || !input.every((t) => typeof t === 'string')) {
      return json(400, { error: { message: 'expected {model: string, input: string[]}' } });
    }
    const texts = input;
    const behaviour = this.behaviourFor?.(texts) ?? this.script.shift() ?? 'ok';
    this.requests.push({
      input: texts,
      model,
      authorization: req.headers.authorization,
      path: req.url,
      behaviour,
    });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.gate) await this.gate;
      switch (behaviour) {
        case 'hang':
          await new Promise<void>((resolve) => req.socket.once('close', resolve));
          return;
        case '429':
          return json(
            429,
            { error: { message: 'slow down' } },
            { 'retry-after': this.options.retryAfter ?? '1' },
          );
        case '500':
          return json(500, { error: { message: 'boom' } });
        case '400':
          return json(400, { error: { message: 'bad input' } });
        case 'ok':
        case 'reversed': {
          const data = texts.map((text, index) => ({
            object: 'embedding',
            index,
            embedding: this.vector(text),
          }));
          if (behaviour === 'reversed') data.reverse();
          const tokens = texts.reduce((sum, text) => sum + text.split(/\s+/).length, 0);
          return json(200, {
            object: 'list',
            model,
            data,
            usage: { prompt_tokens: tokens, total_tokens: tokens },
          });
        }
      }
    } finally {
      this.inFlight--;
    }
  }
}
