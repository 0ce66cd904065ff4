import type { ChatEvent, ChatModel, ChatOptions, ChatRequest, ChatResult } from '../chat-model.port.js';
import { ModelError, type ModelErrorCode } from '../model-error.js';
import { CompletionAssembler } from './completion-assembler.js';
import { errorMessageOf, parseCompletion, wireRequest } from './openai.wire.js';
import { plannedBackoffMs, retryAfterMs, waitAbortably, type RetrySettings } from './retry-policy.js';
import { parseServerSentEvents } from './sse.js';

/** Options of {@link OpenAiChatModel}. */
export interface OpenAiChatModelOptions {
  /** API base including the version path, e.g. `http://127.0.0.1:11434/v1`; `chat/completions` is appended. */
  readonly baseUrl: string;
  /** The `model` field of requests. */
  readonly model: string;
  /** Sent as `Authorization: Bearer <key>` when set. */
  readonly apiKey?: string;
  /** More headers on every request (e.g. an organisation id). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Retries after the first attempt on 429, 5xx, 408, network errors and timeouts. Default 3. */
  readonly maxRetries?: number;
  /** Default 500 ms; doubles per retry with ±50 % jitter. */
  readonly initialBackoffMs?: number;
  /** Default 30 000 ms; also the longest `Retry-After` honoured (a longer one fails the call at once). */
  readonly maxBackoffMs?: number;
  /** Time limit of one attempt, from sending the request to the end of the answer (stream included). Default 120 000 ms. */
  readonly timeoutMs?: number;
  /** Ask for usage in streams (`stream_options.include_usage`). Default true; turn off for servers that reject it. */
  readonly includeUsage?: boolean;
  /** Injected for tests: a number in [0, 1) for jitter. */
  readonly random?: () => number;
  /** Injected for tests: how to wait between attempts (default: a timer, cut short by the signal). */
  readonly wait?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
}

interface Attempt {
  readonly response: Response;
  /** Aborts when the caller aborts or the attempt times out. */
  readonly signal: AbortSignal;
  readonly timeout: AbortSignal;
}

function codeForStatus(status: number): ModelErrorCode {
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 429) return 'rate_limited';
  if (status === 408) return 'timeout';
  return status >= 500 ? 'server_error' : 'bad_request';
}

/**
 * A {@link ChatModel} over any OpenAI-compatible `POST /chat/completions` (OpenAI, vLLM, Ollama,
 * llama.cpp server): streamed (SSE) or not, tool calls, usage. Transient failures (429 honouring
 * `Retry-After`, 5xx, network, timeout) are retried with backoff before any output; a stream that
 * breaks after output has started fails rather than replaying deltas the caller already saw.
 */
export class OpenAiChatModel implements ChatModel {
  readonly name: string;
  private readonly url: URL;
  private readonly retry: RetrySettings;
  private readonly timeoutMs: number;
  private readonly includeUsage: boolean;
  private readonly headers: Record<string, string>;
  private readonly wait: (ms: number, signal: AbortSignal | undefined) => Promise<void>;

  constructor(options: OpenAiChatModelOptions) {
    this.name = options.model;
    this.url = new URL(
      'chat/completions',
      options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`,
    );
    this.retry = {
      maxRetries: options.maxRetries ?? 3,
      initialBackoffMs: options.initialBackoffMs ?? 500,
      maxBackoffMs: options.maxBackoffMs ?? 30_000,
      random: options.random ?? Math.random,
    };
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.includeUsage = options.includeUsage ?? true;
    this.wait = options.wait ?? waitAbortably;
    this.headers = { 'content-type': 'application/json', ...options.headers };
    if (options.apiKey) this.headers['authorization'] = `Bearer ${options.apiKey}`;
  }

  async *stream(request: ChatRequest, options: ChatOptions = {}): AsyncGenerator<ChatEvent> {
    const attempt = await this.send(request, true, options.signal);
    const assembler = new CompletionAssembler(this.name, request);
    try {
      const type = attempt.response.headers.get('content-type') ?? '';
      if (type.includes('application/json')) {
        // The server ignored `stream: true` and answered at once.
        yield* assembler.push(
          parseCompletion(await attempt.response.text(), `the answer of ${this.url.href}`),
        );
        yield* assembler.finish();
        return;
      }
      if (!attempt.response.body)
        throw new ModelError('protocol', `${this.url.href} answered without a body`);
      let done = false;
      for await (const sse of parseServerSentEvents(attempt.response.body)) {
        if (sse.data.trim() === '[DONE]') {
          done = true;
          break;
        }
        if (sse.event === 'error')
          throw new ModelError(
            'server_error',
            `${this.url.href} reported in its stream: ${errorMessageOf(sse.data)}`,
          );
        yield* assembler.push(parseCompletion(sse.data, `a stream chunk of ${this.url.href}`));
      }
      if (!done && !assembler.finished)
        throw new ModelError(
          'protocol',
          `the stream of ${this.url.href} ended before [DONE] and without a finish reason`,
        );
      yield* assembler.finish();
    } catch (err) {
      throw this.readFailure(err, attempt, options.signal);
    }
  }

  async complete(request: ChatRequest, options: ChatOptions = {}): Promise<ChatResult> {
    const attempt = await this.send(request, false, options.signal);
    const assembler = new CompletionAssembler(this.name, request);
    try {
      const completion = parseCompletion(await attempt.response.text(), `the answer of ${this.url.href}`);
      if (!completion.choices || completion.choices.length === 0)
        throw new ModelError('protocol', `the answer of ${this.url.href} has no choices`);
      assembler.push(completion);
      const last = assembler.finish().at(-1);
      if (last?.type !== 'finish') throw new ModelError('protocol', 'no result assembled');
      return last.result;
    } catch (err) {
      throw this.readFailure(err, attempt, options.signal);
    }
  }

  /** Sends the request, retrying transient failures, until a 2xx response (body unread) or a final error. */
  private async send(
    request: ChatRequest,
    stream: boolean,
    signal: AbortSignal | undefined,
  ): Promise<Attempt> {
    const body = JSON.stringify(wireRequest(this.name, request, stream, this.includeUsage));
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      const timeout = AbortSignal.timeout(this.timeoutMs);
      const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
      let failure: ModelError;
      let serverAsksMs: number | undefined;
      try {
        const response = await fetch(this.url, {
          method: 'POST',
          headers: this.headers,
          body,
          signal: combined,
        });
        if (response.ok) return { response, signal: combined, timeout };
        const message = errorMessageOf(await response.text());
        failure = new ModelError(
          codeForStatus(response.status),
          `${this.url.href} answered ${response.status}: ${message}`,
          response.status,
        );
        serverAsksMs = retryAfterMs(response.headers);
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        failure = this.transportError(err, timeout);
      }
      const backoff = plannedBackoffMs(failure, attempt, serverAsksMs, this.retry);
      if (backoff === undefined) throw failure;
      await this.wait(backoff, signal);
    }
  }

  private transportError(err: unknown, timeout: AbortSignal): ModelError {
    if (err instanceof ModelError) return err;
    if (timeout.aborted)
      return new ModelError(
        'timeout',
        `${this.url.href} did not answer within ${this.timeoutMs} ms`,
        undefined,
        {
          cause: err,
        },
      );
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return new ModelError(
      'network',
      `request to ${this.url.href} failed: ${String(err)}${cause}`,
      undefined,
      {
        cause: err,
      },
    );
  }

  /** The error to surface for a failure while reading an answer (no retry: output may have been seen). */
  private readFailure(err: unknown, attempt: Attempt, signal: AbortSignal | undefined): unknown {
    if (signal?.aborted) return signal.reason;
    const failure = this.transportError(err, attempt.timeout);
    if (failure.code === 'network')
      failure.message = `the answer of ${this.url.href} broke off: ${String(err)}`;
    return failure;
  }
}
