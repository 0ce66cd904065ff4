import type { EmbeddingModelInfo, EmbeddingProvider, EmbedOptions } from '../embedding-provider.port.js';
import { l2Normalize } from '../embedding-provider.port.js';
import { EmbeddingRequestError, retryDelayMs, sleep } from './http-retry.js';

/** Options of {@link OpenAiEmbeddingProvider}. */
export interface OpenAiEmbeddingOptions {
  /** API base including the version path, e.g. `http://127.0.0.1:8080/v1`; `embeddings` is appended. */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer <key>` when set. */
  readonly apiKey?: string;
  /** The `model` field of requests; also `model.name`. */
  readonly model: string;
  /** Expected vector length; responses of another length are rejected. */
  readonly dimension: number;
  /** Tokens the model reads per text (informational). Default 8191. */
  readonly maxTokens?: number;
  /** Inputs per request. Default 64. */
  readonly maxInputsPerRequest?: number;
  /** Retries after the first attempt on 429, 5xx, network errors and timeouts. Default 4. */
  readonly maxRetries?: number;
  /** First backoff; doubles per retry, with full jitter. Default 250 ms. */
  readonly initialBackoffMs?: number;
  /** Backoff ceiling, also the ceiling for a server's `Retry-After`. Default 20 000 ms. */
  readonly maxBackoffMs?: number;
  /** Per-request timeout. Default 30 000 ms. */
  readonly timeoutMs?: number;
  /** Injected for tests: how to wait between attempts. */
  readonly sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
  /** Injected for tests: a number in [0, 1) for jitter. */
  readonly random?: () => number;
}

interface EmbeddingsResponse {
  readonly data: readonly { readonly index: number; readonly embedding: readonly number[] }[];
}

function isEmbeddingsResponse(body: unknown): body is EmbeddingsResponse {
  if (typeof body !== 'object' || body === null || !('data' in body) || !Array.isArray(body.data))
    return false;
  return body.data.every(
    (d: unknown) =>
      typeof d === 'object' &&
      d !== null &&
      'index' in d &&
      typeof d.index === 'number' &&
      'embedding' in d &&
      Array.isArray(d.embedding),
  );
}

/**
 * Any OpenAI-compatible `POST /v1/embeddings` endpoint: batches inputs, retries transient failures
 * with exponential backoff and jitter (honouring `Retry-After`), fails fast on other 4xx, and
 * L2-normalizes the vectors it returns.
 */
export class OpenAiEmbeddingProvider implements EmbeddingProvider {
  readonly model: EmbeddingModelInfo;
  private readonly url: URL;
  private readonly o: Required<Omit<OpenAiEmbeddingOptions, 'apiKey'>> & { readonly apiKey?: string };

  constructor(options: OpenAiEmbeddingOptions) {
    this.o = {
      maxTokens: 8191,
      maxInputsPerRequest: 64,
      maxRetries: 4,
      initialBackoffMs: 250,
      maxBackoffMs: 20_000,
      timeoutMs: 30_000,
      sleep,
      random: Math.random,
      ...options,
    };
    if (this.o.maxInputsPerRequest < 1) throw new RangeError('maxInputsPerRequest must be at least 1');
    this.url = new URL('embeddings', options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
    this.model = { name: options.model, dimension: options.dimension, maxTokens: this.o.maxTokens };
  }

  async embed(texts: readonly string[], opts: EmbedOptions = {}): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += this.o.maxInputsPerRequest) {
      out.push(
        ...(await this.embedBatch(texts.slice(start, start + this.o.maxInputsPerRequest), opts.signal)),
      );
    }
    return out;
  }

  private async embedBatch(
    input: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<Float32Array[]> {
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      let failure: EmbeddingRequestError;
      let retryAfter: string | null = null;
      try {
        const res = await this.post(input, signal);
        if (res.ok) {
          const text = await res.text();
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch (err) {
            throw new EmbeddingRequestError(`${this.url.href}: response is not JSON`, res.status, false, {
              cause: err,
            });
          }
          return this.parse(input.length, body);
        }
        const body = (await res.text()).slice(0, 500);
        retryAfter = res.headers.get('retry-after');
        const transient = res.status === 429 || res.status >= 500;
        failure = new EmbeddingRequestError(
          `${this.url.href} answered ${res.status}: ${body}`,
          res.status,
          transient,
        );
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        if (err instanceof EmbeddingRequestError) throw err;
        const timedOut = err instanceof DOMException && err.name === 'TimeoutError';
        const what = timedOut ? `timed out after ${this.o.timeoutMs} ms` : `failed: ${String(err)}`;
        failure = new EmbeddingRequestError(`request to ${this.url.href} ${what}`, undefined, true, {
          cause: err,
        });
      }
      if (!failure.retryable || attempt >= this.o.maxRetries) {
        if (failure.retryable) failure.message += ` (gave up after ${attempt + 1} attempts)`;
        throw failure;
      }
      await this.o.sleep(retryDelayMs(attempt, retryAfter, this.o), signal);
    }
  }

  private post(input: readonly string[], signal: AbortSignal | undefined): Promise<Response> {
    const timeout = AbortSignal.timeout(this.o.timeoutMs);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.o.apiKey) headers['authorization'] = `Bearer ${this.o.apiKey}`;
    return fetch(this.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ model: this.model.name, input }),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  }

  private parse(count: number, body: unknown): Float32Array[] {
    if (!isEmbeddingsResponse(body))
      throw new EmbeddingRequestError(`${this.url.href}: malformed embeddings response`);
    if (body.data.length !== count) {
      throw new EmbeddingRequestError(`${this.url.href}: ${body.data.length} embeddings for ${count} inputs`);
    }
    const out = new Array<Float32Array>(count);
    for (const d of body.data) {
      if (d.embedding.length !== this.model.dimension) {
        throw new EmbeddingRequestError(
          `${this.url.href}: embedding of length ${d.embedding.length}, expected ${this.model.dimension}`,
        );
      }
      if (!Number.isInteger(d.index) || d.index < 0 || d.index >= count || out[d.index]) {
        throw new EmbeddingRequestError(`${this.url.href}: bad or duplicate embedding index ${d.index}`);
      }
      out[d.index] = l2Normalize(Float32Array.from(d.embedding));
    }
    return out;
  }
}
