import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { waitFor } from '@cairn/testing';
import type { ChatEvent, ChatRequest, ToolDefinition } from '../chat-model.port.js';
import { collectChat, parseToolArguments } from '../chat-result.js';
import { ModelError } from '../model-error.js';
import { FakeChatCompletionsServer } from '../testing/fake-chat-completions.server.js';
import { OpenAiChatModel, type OpenAiChatModelOptions } from './openai.chat-model.js';

const RETRIEVE: ToolDefinition = {
  name: 'retrieve',
  description: 'Search the knowledge base.',
  parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
};

const QUESTION: ChatRequest = {
  messages: [
    { role: 'system', content: 'Answer from the passages.' },
    { role: 'user', content: 'Which class do I fly?' },
  ],
  tools: [RETRIEVE],
};

async function drain(events: AsyncIterable<ChatEvent>): Promise<ChatEvent[]> {
  const out: ChatEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('expected a rejection');
}

void describe('OpenAiChatModel against a local Chat Completions server', () => {
  const server = new FakeChatCompletionsServer();
  let baseUrl = '';
  let waits: number[] = [];
  const model = (o: Partial<OpenAiChatModelOptions> = {}): OpenAiChatModel =>
    new OpenAiChatModel({
      baseUrl,
      model: 'fake-chat',
      apiKey: 'sk-test',
      maxRetries: 2,
      initialBackoffMs: 100,
      random: () => 0,
      wait: async (ms) => {
        waits.push(ms);
      },
      ...o,
    });

  before(async () => {
    baseUrl = await server.start();
  });
  after(() => server.stop());
  beforeEach(() => {
    server.requests.length = 0;
    waits = [];
    assert.equal(server.pending, 0, 'a previous test left scripted replies unused');
  });

  void it('streams text deltas and assembles the answer, sending the common wire format', async () => {
    server.script({
      type: 'completion',
      content: 'Economy class, for flights under six hours.',
      chunkSize: 5,
    });
    const events = await drain(model().stream(QUESTION));
    const deltas = events.filter((e) => e.type === 'text-delta');
    assert.ok(deltas.length >= 8, `expected many deltas, got ${deltas.length}`);
    assert.equal(deltas.map((d) => d.text).join(''), 'Economy class, for flights under six hours.');
    const last = events.at(-1);
    assert.equal(last?.type, 'finish');
    if (last?.type !== 'finish') return;
    assert.equal(last.result.message.content, 'Economy class, for flights under six hours.');
    assert.equal(last.result.finishReason, 'stop');
    assert.equal(last.result.model, 'fake-chat');
    assert.equal(last.result.message.toolCalls, undefined);

    const [request] = server.requests;
    assert.equal(request?.path, '/v1/chat/completions');
    assert.equal(request?.headers.authorization, 'Bearer sk-test');
    assert.deepEqual(request?.body['stream_options'], { include_usage: true });
    assert.equal(request?.body['stream'], true);
    assert.equal(request?.body['model'], 'fake-chat');
    assert.deepEqual(request?.body['tools'], [
      {
        type: 'function',
        function: { name: 'retrieve', description: RETRIEVE.description, parameters: RETRIEVE.parameters },
      },
    ]);
    assert.deepEqual(request?.body['messages'], [
      { role: 'system', content: 'Answer from the passages.' },
      { role: 'user', content: 'Which class do I fly?' },
    ]);
  });

  void it('assembles a tool call whose arguments arrive split across many chunks', async () => {
    const args = JSON.stringify({ query: 'travel policy: which class for flights under six hours?' });
    server.script({
      type: 'completion',
      toolCalls: [{ id: 'call_a', name: 'retrieve', arguments: args }],
      chunkSize: 3,
    });
    const events = await drain(model().stream(QUESTION));
    const deltas = events.filter((e) => e.type === 'tool-call-delta');
    assert.ok(deltas.length > 10, `arguments should come in many deltas, got ${deltas.length}`);
    assert.deepEqual(deltas[0], {
      type: 'tool-call-delta',
      index: 0,
      id: 'call_a',
      name: 'retrieve',
      argumentsDelta: '',
    });
    const complete = events.filter((e) => e.type === 'tool-call');
    assert.deepEqual(complete, [
      { type: 'tool-call', index: 0, call: { id: 'call_a', name: 'retrieve', arguments: args } },
    ]);
    const last = events.at(-1);
    assert.ok(last?.type === 'finish');
    const result = last.result;
    assert.equal(result.finishReason, 'tool_calls');
    assert.deepEqual(parseToolArguments(result.message.toolCalls![0]!), {
      query: 'travel policy: which class for flights under six hours?',
    });
  });

  void it('tells parallel tool calls apart by index when their deltas interleave', async () => {
    server.script({
      type: 'completion',
      interleaveToolCalls: true,
      chunkSize: 2,
      toolCalls: [
        { id: 'call_1', name: 'retrieve', arguments: '{"query":"economy class"}' },
        { id: 'call_2', name: 'lookup_policy', arguments: '{"policy":"travel","year":2026}' },
        { id: 'call_3', name: 'retrieve', arguments: '{"query":"business class"}' },
      ],
    });
    const result = await collectChat(model().stream(QUESTION));
    assert.deepEqual(result.message.toolCalls, [
      { id: 'call_1', name: 'retrieve', arguments: '{"query":"economy class"}' },
      { id: 'call_2', name: 'lookup_policy', arguments: '{"policy":"travel","year":2026}' },
      { id: 'call_3', name: 'retrieve', arguments: '{"query":"business class"}' },
    ]);
    assert.equal(result.finishReason, 'tool_calls');
  });

  void it('reports the usage the server sends, and estimates it when the server sends none', async () => {
    server.script(
      { type: 'completion', content: 'Economy.', usage: { promptTokens: 42, completionTokens: 3 } },
      { type: 'completion', content: 'Economy.' },
    );
    const events = await drain(model().stream(QUESTION));
    const usage = events.find((e) => e.type === 'usage');
    assert.deepEqual(usage, {
      type: 'usage',
      usage: { promptTokens: 42, completionTokens: 3, totalTokens: 45, source: 'reported' },
    });
    const estimated = await collectChat(model().stream(QUESTION));
    assert.equal(estimated.usage.source, 'estimated');
    assert.ok(
      estimated.usage.promptTokens > 10 && estimated.usage.completionTokens >= 2,
      JSON.stringify(estimated.usage),
    );
  });

  void it('completes without streaming: text, tool calls and usage from one JSON answer', async () => {
    server.script({
      type: 'completion',
      content: 'Looking it up.',
      toolCalls: [{ id: 'call_x', name: 'retrieve', arguments: '{"query":"class"}' }],
      usage: { promptTokens: 20, completionTokens: 9 },
      model: 'fake-chat-2026-01',
    });
    const result = await model().complete(QUESTION);
    assert.equal(server.requests[0]?.body['stream'], false);
    assert.equal(server.requests[0]?.body['stream_options'], undefined);
    assert.deepEqual(result, {
      model: 'fake-chat-2026-01',
      message: {
        role: 'assistant',
        content: 'Looking it up.',
        toolCalls: [{ id: 'call_x', name: 'retrieve', arguments: '{"query":"class"}' }],
      },
      finishReason: 'tool_calls',
      usage: { promptTokens: 20, completionTokens: 9, totalTokens: 29, source: 'reported' },
    });
  });

  void it('sends earlier tool calls and tool results back in the wire format', async () => {
    server.script({ type: 'completion', content: 'Economy [1].' });
    await model().complete({
      messages: [
        { role: 'user', content: 'Which class?' },
        {
          role: 'assistant',
          content: '',
          toolCalls: [{ id: 'call_1', name: 'retrieve', arguments: '{"query":"class"}' }],
        },
        { role: 'tool', toolCallId: 'call_1', content: '[1] Book economy class.' },
      ],
      tools: [RETRIEVE],
      toolChoice: { name: 'retrieve' },
      maxTokens: 64,
      temperature: 0,
      parallelToolCalls: false,
    });
    const body = server.requests[0]!.body;
    assert.deepEqual(body['messages'], [
      { role: 'user', content: 'Which class?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'retrieve', arguments: '{"query":"class"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '[1] Book economy class.' },
    ]);
    assert.deepEqual(body['tool_choice'], { type: 'function', function: { name: 'retrieve' } });
    assert.equal(body['max_tokens'], 64);
    assert.equal(body['temperature'], 0);
    assert.equal(body['parallel_tool_calls'], false);
  });

  void it('retries a 429, waiting as long as Retry-After says, then succeeds', async () => {
    server.script(
      { type: 'error', status: 429, message: 'rate limit reached', headers: { 'retry-after': '2' } },
      { type: 'completion', content: 'ok' },
    );
    const result = await collectChat(model().stream(QUESTION));
    assert.equal(result.message.content, 'ok');
    assert.deepEqual(waits, [2000]);
    assert.equal(server.requests.length, 2);
  });

  void it('fails at once when Retry-After asks for longer than the longest backoff', async () => {
    server.script({ type: 'error', status: 429, message: 'quota', headers: { 'retry-after': '600' } });
    const err = await rejection(model().complete(QUESTION));
    assert.ok(err instanceof ModelError);
    assert.equal(err.code, 'rate_limited');
    assert.match(err.message, /answered 429: quota.*retry after 600 s/);
    assert.deepEqual(waits, []);
  });

  void it('retries 5xx and dropped connections with exponential backoff, then gives up with the last error', async () => {
    server.script(
      { type: 'error', status: 500, message: 'boom' },
      { type: 'drop' },
      { type: 'completion', content: 'ok' },
    );
    assert.equal((await model().complete(QUESTION)).message.content, 'ok');
    assert.deepEqual(waits, [50, 100]); // 100 ms then 200 ms, jitter at its floor (random = 0)

    server.script(
      { type: 'error', status: 503, message: 'overloaded' },
      { type: 'error', status: 503, message: 'overloaded' },
      { type: 'error', status: 502, message: 'bad gateway' },
    );
    const err = await rejection(collectChat(model().stream(QUESTION)));
    assert.ok(err instanceof ModelError);
    assert.equal(err.code, 'server_error');
    assert.equal(err.status, 502);
    assert.match(err.message, /answered 502: bad gateway \(gave up after 3 attempts\)/);
  });

  void it('surfaces a 400 with the server message and does not retry it', async () => {
    server.script({
      type: 'error',
      status: 400,
      message: "'messages' must contain at least one user message",
    });
    const err = await rejection(collectChat(model().stream(QUESTION)));
    assert.ok(err instanceof ModelError);
    assert.equal(err.code, 'bad_request');
    assert.equal(err.status, 400);
    assert.equal(err.retryable, false);
    assert.match(err.message, /answered 400: 'messages' must contain at least one user message/);
    assert.equal(server.requests.length, 1);
    assert.deepEqual(waits, []);
  });

  void it('surfaces 401 as unauthorized without retrying', async () => {
    server.script({ type: 'error', status: 401, message: 'Incorrect API key provided' });
    const err = await rejection(model().complete(QUESTION));
    assert.ok(err instanceof ModelError);
    assert.equal(err.code, 'unauthorized');
    assert.equal(server.requests.length, 1);
  });

  void it('stops mid-stream when the caller aborts, with the abort reason, and closes the connection', async () => {
    server.script({
      type: 'completion',
      content: 'a long answer that never finishes',
      chunkSize: 2,
      stallAfterChunks: 3,
    });
    const controller = new AbortController();
    const reason = new Error('run cancelled');
    const seen: ChatEvent[] = [];
    const err = await rejection(
      (async () => {
        for await (const event of model().stream(QUESTION, { signal: controller.signal })) {
          seen.push(event);
          if (event.type === 'text-delta') controller.abort(reason);
        }
      })(),
    );
    assert.equal(err, reason);
    assert.deepEqual(seen, [{ type: 'text-delta', text: 'a ' }]);
    await waitFor(() => server.clientDisconnects === 1, {
      description: 'the server to see the client leave',
    });
    server.clientDisconnects = 0;
  });

  void it('closes the connection when the caller stops reading early', async () => {
    server.script({
      type: 'completion',
      content: 'one two three four five six',
      chunkSize: 2,
      stallAfterChunks: 4,
    });
    for await (const event of model({ apiKey: '' }).stream(QUESTION)) if (event.type === 'text-delta') break;
    await waitFor(() => server.clientDisconnects === 1, {
      description: 'the server to see the client leave',
    });
    server.clientDisconnects = 0;
    assert.equal(server.requests[0]?.headers.authorization, undefined);
  });

  void it('times out an answer that stalls, as a timeout error', async () => {
    server.script({ type: 'completion', content: 'stalled', stallAfterChunks: 1 });
    const err = await rejection(collectChat(model({ timeoutMs: 300, maxRetries: 0 }).stream(QUESTION)));
    assert.ok(err instanceof ModelError, String(err));
    assert.equal(err.code, 'timeout');
    await waitFor(() => server.clientDisconnects === 1);
    server.clientDisconnects = 0;
  });

  void it('rejects a malformed event stream with a protocol error quoting what came', async () => {
    server.script({
      type: 'raw',
      contentType: 'text/event-stream',
      body: 'data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}\n\ndata: {"choices": [oops\n\n',
    });
    const events: ChatEvent[] = [];
    const err = await rejection(
      (async () => {
        for await (const event of model().stream(QUESTION)) events.push(event);
      })(),
    );
    assert.ok(err instanceof ModelError);
    assert.equal(err.code, 'protocol');
    assert.match(err.message, /stream chunk .* is not JSON: \{"choices": \[oops/);
    assert.deepEqual(events, [{ type: 'text-delta', text: 'hi' }]);
  });

  void it('rejects a stream that ends before [DONE] without a finish reason', async () => {
    server.script({
      type: 'raw',
      contentType: 'text/event-stream',
      body: 'data: {"choices":[{"index":0,"delta":{"content":"hal"}}]}\n\n',
    });
    const err = await rejection(collectChat(model().stream(QUESTION)));
    assert.ok(err instanceof ModelError);
    assert.equal(err.code, 'protocol');
    assert.match(err.message, /ended before \[DONE\]/);
  });

  void it('reports an error event inside the stream as a server error', async () => {
    server.script({
      type: 'raw',
      contentType: 'text/event-stream',
      body: 'data: {"error":{"message":"model crashed: out of memory"}}\n\n',
    });
    const err = await rejection(collectChat(model().stream(QUESTION)));
    assert.ok(err instanceof ModelError);
    assert.equal(err.code, 'server_error');
    assert.match(err.message, /out of memory/);
  });

  void it('accepts a JSON answer to a streamed request (a server that does not stream)', async () => {
    server.script({
      type: 'raw',
      contentType: 'application/json',
      body: JSON.stringify({
        model: 'llama',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Economy.' }, finish_reason: 'stop' }],
      }),
    });
    const events = await drain(model().stream(QUESTION));
    assert.deepEqual(
      events.filter((e) => e.type === 'text-delta'),
      [{ type: 'text-delta', text: 'Economy.' }],
    );
    assert.equal(events.at(-1)?.type, 'finish');
  });

  void it('assembles tool calls from a server that sends no index and repeats the name', async () => {
    const chunk = (delta: object, finish: string | null = null): string =>
      `data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    server.script({
      type: 'raw',
      contentType: 'text/event-stream',
      body:
        chunk({ tool_calls: [{ id: 'a', function: { name: 'retrieve', arguments: '{"query":' } }] }) +
        chunk({ tool_calls: [{ function: { name: 'retrieve', arguments: '"x"}' } }] }) +
        chunk({ tool_calls: [{ id: 'b', function: { name: 'retrieve', arguments: '{"query":"y"}' } }] }) +
        chunk({}, 'stop') +
        'data: [DONE]\n\n',
    });
    const result = await collectChat(model().stream(QUESTION));
    assert.deepEqual(result.message.toolCalls, [
      { id: 'a', name: 'retrieve', arguments: '{"query":"x"}' },
      { id: 'b', name: 'retrieve', arguments: '{"query":"y"}' },
    ]);
    assert.equal(result.finishReason, 'tool_calls');
  });

  void it('fails with a network error, after retries, when nothing listens', async () => {
    const closed = new FakeChatCompletionsServer();
    const url = await closed.start();
    await closed.stop();
    const err = await rejection(model({ baseUrl: url, maxRetries: 1 }).complete(QUESTION));
    assert.ok(err instanceof ModelError);
    assert.equal(err.code, 'network');
    assert.match(err.message, /gave up after 2 attempts/);
  });
});
