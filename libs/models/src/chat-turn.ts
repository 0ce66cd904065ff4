import type { ChatEvent, ChatRequest, FinishReason, ToolCall, TokenUsage } from './chat-model.port.js';
import { estimatePromptTokens, estimateTokens } from './token-estimate.js';

/** A decided model turn, for models that compute their whole answer before streaming it. */
export interface ChatTurn {
  readonly content?: string;
  readonly toolCalls?: readonly ToolCall[];
  /** Default: `tool_calls` with tool calls, else `stop`. */
  readonly finishReason?: FinishReason;
  /** Default: estimated from the request and the turn. */
  readonly usage?: Omit<TokenUsage, 'totalTokens' | 'source'>;
}

/**
 * Streams a decided turn as a model would: the text in word-sized deltas, each tool call as one delta
 * and its completion, usage, finish. Checks `signal` before every event.
 */
export async function* streamTurn(
  model: string,
  request: ChatRequest,
  turn: ChatTurn,
  signal?: AbortSignal,
): AsyncGenerator<ChatEvent> {
  const content = turn.content ?? '';
  const toolCalls = turn.toolCalls ?? [];
  for (const [text] of content.matchAll(/\S+\s*|\s+/g)) {
    signal?.throwIfAborted();
    yield { type: 'text-delta', text };
  }
  for (const [index, call] of toolCalls.entries()) {
    signal?.throwIfAborted();
    yield { type: 'tool-call-delta', index, id: call.id, name: call.name, argumentsDelta: call.arguments };
    yield { type: 'tool-call', index, call };
  }
  signal?.throwIfAborted();
  const promptTokens = turn.usage?.promptTokens ?? estimatePromptTokens(request.messages, request.tools);
  const completionTokens =
    turn.usage?.completionTokens ??
    estimateTokens(content) +
      toolCalls.reduce((n, c) => n + estimateTokens(c.name) + estimateTokens(c.arguments), 0);
  const usage: TokenUsage = {
    promptTokens,
    completionTokens,
    totalTokens: promptTokens + completionTokens,
    source: turn.usage ? 'reported' : 'estimated',
  };
  yield { type: 'usage', usage };
  yield {
    type: 'finish',
    result: {
      model,
      message:
        toolCalls.length > 0 ? { role: 'assistant', content, toolCalls } : { role: 'assistant', content },
      finishReason: turn.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
      usage,
    },
  };
}
