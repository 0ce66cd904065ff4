import type { ChatMessage, ChatRequest, FinishReason, TokenUsage } from '../chat-model.port.js';
import { ModelError } from '../model-error.js';

/** The subset of the Chat Completions wire format that OpenAI, vLLM, Ollama and llama.cpp server share. */
export interface WireToolCall {
  readonly index?: number;
  readonly id?: string;
  readonly type?: string;
  readonly function?: { readonly name?: string; readonly arguments?: string };
}

export interface WireUsage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens?: number;
}

interface WireMessageLike {
  readonly content?: string | null;
  readonly tool_calls?: readonly WireToolCall[] | null;
}

export interface WireChoice {
  readonly index?: number;
  readonly message?: WireMessageLike;
  readonly delta?: WireMessageLike;
  readonly finish_reason?: string | null;
}

/** A non-streamed response or one streamed chunk. */
export interface WireCompletion {
  readonly model?: string;
  readonly choices?: readonly WireChoice[];
  readonly usage?: WireUsage | null;
  readonly error?: { readonly message?: string } | string;
}

function wireMessage(message: ChatMessage): Record<string, unknown> {
  switch (message.role) {
    case 'system':
    case 'user':
      return { role: message.role, content: message.content };
    case 'assistant': {
      const calls = message.toolCalls ?? [];
      if (calls.length === 0) return { role: 'assistant', content: message.content };
      return {
        role: 'assistant',
        content: message.content === '' ? null : message.content,
        tool_calls: calls.map((call) => ({
          id: call.id,
          type: 'function',
          function: { name: call.name, arguments: call.arguments },
        })),
      };
    }
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
  }
}

/** The JSON body of `POST /chat/completions`. */
export function wireRequest(
  model: string,
  request: ChatRequest,
  stream: boolean,
  includeUsage: boolean,
): Record<string, unknown> {
  const body: Record<string, unknown> = { model, messages: request.messages.map(wireMessage), stream };
  if (stream && includeUsage) body['stream_options'] = { include_usage: true };
  if (request.tools && request.tools.length > 0) {
    body['tools'] = request.tools.map((tool) => ({
      type: 'function',
      function: { name: tool.name, description: tool.description, parameters: tool.parameters },
    }));
    const choice = request.toolChoice;
    if (choice !== undefined)
      body['tool_choice'] =
        typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
    if (request.parallelToolCalls !== undefined) body['parallel_tool_calls'] = request.parallelToolCalls;
  }
  if (request.maxTokens !== undefined) body['max_tokens'] = request.maxTokens;
  if (request.temperature !== undefined) body['temperature'] = request.temperature;
  return body;
}

/** Parses a JSON payload of the server into a completion object, or a `protocol` error naming what came. */
export function parseCompletion(text: string, where: string): WireCompletion {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ModelError('protocol', `${where} is not JSON: ${text.slice(0, 200)}`, undefined, {
      cause: err,
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ModelError('protocol', `${where} is not a JSON object: ${text.slice(0, 200)}`);
  const completion = value as WireCompletion;
  if (completion.error !== undefined) {
    const message = typeof completion.error === 'string' ? completion.error : completion.error.message;
    throw new ModelError('server_error', `the model server reported an error: ${message ?? text}`);
  }
  if (completion.choices !== undefined && !Array.isArray(completion.choices))
    throw new ModelError('protocol', `${where} has a "choices" that is not an array`);
  return completion;
}

export function finishReasonOf(wire: string | null | undefined): FinishReason {
  switch (wire) {
    case 'stop':
    case 'length':
    case 'tool_calls':
    case 'content_filter':
      return wire;
    case 'function_call':
      return 'tool_calls';
    case null:
    case undefined:
    default:
      return 'other';
  }
}

export function usageOf(wire: WireUsage): TokenUsage {
  const promptTokens = Number(wire.prompt_tokens) || 0;
  const completionTokens = Number(wire.completion_tokens) || 0;
  return {
    promptTokens,
    completionTokens,
    totalTokens: Number(wire.total_tokens) || promptTokens + completionTokens,
    source: 'reported',
  };
}

/** The message of an error response body (`{"error":{"message":…}}` or `{"error":"…"}`), else the text. */
export function errorMessageOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as WireCompletion & { readonly message?: string };
    const error = parsed.error;
    if (typeof error === 'string') return error;
    if (error?.message) return error.message;
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON: the raw text is the message
  }
  return body.slice(0, 500);
}
