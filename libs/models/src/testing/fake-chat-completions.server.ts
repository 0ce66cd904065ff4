import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A tool call in a scripted answer. */
export interface FakeToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
}

/** An answer: text and/or tool calls, streamed in `chunkSize`-character pieces when the request streams. */
export interface FakeCompletionReply {
  readonly type: 'completion';
  readonly content?: string;
  readonly toolCalls?: readonly FakeToolCall[];
  /** Default `tool_calls` when there are tool calls, else `stop`. */
  readonly finishReason?: string;
  /** Reported usage; omitted from the answer when not given. */
  readonly usage?: { readonly promptTokens: number; readonly completionTokens: number };
  /** The `model` the server names (default: the requested one). */
  readonly model?: string;
  /** Characters per streamed piece of content and of tool arguments. Default 4. */
  readonly chunkSize?: number;
  /** Stream the argument pieces of parallel tool calls interleaved (round robin) rather than call after call. */
  readonly interleaveToolCalls?: boolean;
  /** Stream only this many chunks, then stall until the client goes away. */
  readonly stallAfterChunks?: number;
}

/** An HTTP error with an OpenAI-style body `{"error":{"message":…}}`. */
export interface FakeErrorReply {
  readonly type: 'error';
  readonly status: number;
  readonly message: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A verbatim answer, for malformed payloads. */
export interface FakeRawReply {
  readonly type: 'raw';
  readonly status?: number;
  readonly contentType: string;
  readonly body: string;
}

/** Close the connection without answering (a network failure). */
export interface FakeDropReply {
  readonly type: 'drop';
}

export type FakeReply = FakeCompletionReply | FakeErrorReply | FakeRawReply | FakeDropReply;

/** A request the server received. */
export interface RecordedChatRequest {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  /** The parsed JSON body. */
  readonly body: Record<string, unknown>;
}

type WireChunk = Record<string, unknown>;

/**
 * A loopback HTTP server speaking the OpenAI Chat Completions wire format (streamed SSE or JSON,
 * tool calls, usage), answering each request with the next scripted {@link FakeReply}. It records
 * every request; with nothing scripted it answers 500 "no scripted reply" so a test fails loudly.
 */
export class FakeChatCompletionsServer {
  readonly requests: RecordedChatRequest[] = [];
  /** Connections the client closed before the answer ended (e.g. an aborted stream). */
  clientDisconnects = 0;
  private readonly replies: FakeReply[] = [];
  private responder: ((request: RecordedChatRequest) => FakeReply | Promise<FakeReply>) | undefined;
  private server: Server | undefined;

  /** Starts on 127.0.0.1 and a free port; returns the base URL to give a client (`…/v1`). */
  async start(): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    this.server = undefined;
  }

  /** Queues answers for the next requests, in order. */
  script(...replies: FakeReply[]): void {
    this.replies.push(...replies);
  }

  /**
   * Answers every request the script does not cover by calling `responder` with it: a model that
   * reacts to what it is sent. A promise it returns holds the answer back until it settles.
   */
  respondWith(responder: (request: RecordedChatRequest) => FakeReply | Promise<FakeReply>): void {
    this.responder = responder;
  }

  /** Replies still queued. */
  get pending(): number {
    return this.replies.length;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'body is not JSON' } }));
      return;
    }
    const recorded = { path: req.url ?? '', headers: req.headers, body };
    this.requests.push(recorded);
    const reply = this.replies.shift() ?? (this.responder ? await this.responder(recorded) : undefined);
    if (req.url !== '/v1/chat/completions' || req.method !== 'POST')
      return this.sendError(res, {
        type: 'error',
        status: 404,
        message: `no route ${req.method} ${req.url}`,
      });
    if (!reply) return this.sendError(res, { type: 'error', status: 500, message: 'no scripted reply' });
    switch (reply.type) {
      case 'error':
        return this.sendError(res, reply);
      case 'raw':
        res.writeHead(reply.status ?? 200, { 'content-type': reply.contentType });
        res.end(reply.body);
        return;
      case 'drop':
        req.socket.destroy();
        return;
      case 'completion':
        if (body['stream'] === true) return this.sendStream(res, body, reply);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(this.wholeCompletion(body, reply)));
        return;
    }
  }

  private sendError(res: ServerResponse, reply: FakeErrorReply): void {
    res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
    res.end(JSON.stringify({ error: { message: reply.message, type: 'fake_error' } }));
  }

  private wholeCompletion(body: Record<string, unknown>, reply: FakeCompletionReply): WireChunk {
    const calls = reply.toolCalls ?? [];
    const message: Record<string, unknown> = { role: 'assistant', content: reply.content ?? null };
    if (calls.length > 0)
      message['tool_calls'] = calls.map((c) => ({
        id: c.id,
        type: 'function',
        function: { name: c.name, arguments: c.arguments },
      }));
    return {
      id: 'chatcmpl-fake',
      object: 'chat.completion',
      model: reply.model ?? body['model'],
      choices: [{ index: 0, message, finish_reason: finishReason(reply) }],
      ...(reply.usage ? { usage: wireUsage(reply.usage) } : {}),
    };
  }

  private async sendStream(
    res: ServerResponse,
    body: Record<string, unknown>,
    reply: FakeCompletionReply,
  ): Promise<void> {
    res.on('close', () => {
      if (!res.writableEnded) this.clientDisconnects++;
    });
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const chunks = streamedChunks(reply);
    const includeUsage = (body['stream_options'] as { include_usage?: unknown } | undefined)?.include_usage;
    if (reply.usage && includeUsage === true) chunks.push({ choices: [], usage: wireUsage(reply.usage) });
    const limit = reply.stallAfterChunks ?? Infinity;
    let sent = 0;
    for (const chunk of chunks) {
      if (sent++ >= limit) return; // stall: the response stays open until the client leaves
      const frame = {
        id: 'chatcmpl-fake',
        object: 'chat.completion.chunk',
        model: reply.model ?? body['model'],
        ...chunk,
      };
      res.write(`data: ${JSON.stringify(frame)}\n\n`);
      // Let each chunk leave as its own TCP write, as a real server streaming tokens does.
      await new Promise((resolve) => setImmediate(resolve));
    }
    res.end('data: [DONE]\n\n');
  }
}

function finishReason(reply: FakeCompletionReply): string {
  return reply.finishReason ?? ((reply.toolCalls ?? []).length > 0 ? 'tool_calls' : 'stop');
}

function wireUsage(usage: { readonly promptTokens: number; readonly completionTokens: number }): WireChunk {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.promptTokens + usage.completionTokens,
  };
}

function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** The `choices` chunks of a streamed answer (before usage and `[DONE]`). */
function streamedChunks(reply: FakeCompletionReply): WireChunk[] {
  const size = Math.max(1, reply.chunkSize ?? 4);
  const delta = (d: WireChunk, finish: string | null = null): WireChunk => ({
    choices: [{ index: 0, delta: d, finish_reason: finish }],
  });
  const chunks: WireChunk[] = [delta({ role: 'assistant', content: '' })];
  for (const piece of pieces(reply.content ?? '', size)) chunks.push(delta({ content: piece }));
  const calls = reply.toolCalls ?? [];
  const perCall = calls.map((call, index) => [
    delta({
      tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }],
    }),
    ...pieces(call.arguments, size).map((piece) =>
      delta({ tool_calls: [{ index, function: { arguments: piece } }] }),
    ),
  ]);
  if (reply.interleaveToolCalls) {
    for (let round = 0; perCall.some((list) => round < list.length); round++)
      for (const list of perCall) if (round < list.length) chunks.push(list[round]!);
  } else {
    for (const list of perCall) chunks.push(...list);
  }
  chunks.push(delta({}, finishReason(reply)));
  return chunks;
}
