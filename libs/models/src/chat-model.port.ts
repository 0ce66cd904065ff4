/**
 * The model port of agent runs: chat completion over messages with tool definitions, streamed as
 * events and ending in one assembled {@link ChatResult}. Adapters: an OpenAI-compatible HTTP client,
 * the built-in extractive model, and a scripted model for tests.
 */

/** A tool call the assistant asked for. `arguments` is the JSON text the model produced, verbatim. */
export interface ToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
}

/** Instructions for the model. */
export interface SystemMessage {
  readonly role: 'system';
  readonly content: string;
}

/** What the user said (a question, or context the caller adds on the user's behalf). */
export interface UserMessage {
  readonly role: 'user';
  readonly content: string;
}

/** An earlier model turn: text, tool calls, or both. */
export interface AssistantMessage {
  readonly role: 'assistant';
  readonly content: string;
  readonly toolCalls?: readonly ToolCall[];
}

/** The result of running the tool call `toolCallId`. */
export interface ToolMessage {
  readonly role: 'tool';
  readonly toolCallId: string;
  readonly content: string;
}

export type ChatMessage = SystemMessage | UserMessage | AssistantMessage | ToolMessage;

/** A JSON Schema object (the `parameters` of a tool). */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** A tool offered to the model. */
export interface ToolDefinition {
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the arguments object. */
  readonly parameters: JsonSchema;
}

/** How the model may use the offered tools: `auto` (default), `none`, `required`, or one named tool. */
export type ToolChoice = 'auto' | 'none' | 'required' | { readonly name: string };

/** One completion request. */
export interface ChatRequest {
  readonly messages: readonly ChatMessage[];
  readonly tools?: readonly ToolDefinition[];
  readonly toolChoice?: ToolChoice;
  /** Upper bound on completion tokens. */
  readonly maxTokens?: number;
  readonly temperature?: number;
  /** Whether the model may ask for several tool calls in one turn (default: the model's default). */
  readonly parallelToolCalls?: boolean;
}

/** Per-call options. */
export interface ChatOptions {
  /** Aborting stops the request (and a stream mid-way) with the signal's reason. */
  readonly signal?: AbortSignal;
}

/** Token counts of one completion. */
export interface TokenUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly totalTokens: number;
  /**
   * `reported` when the model server counted; `estimated` when it did not and the adapter counted
   * with {@link estimateTokens} (approximate: budgets only).
   */
  readonly source: 'reported' | 'estimated';
}

/** Why the model stopped: `stop` (answered), `tool_calls`, `length` (hit maxTokens), `content_filter`, `other`. */
export type FinishReason = 'stop' | 'tool_calls' | 'length' | 'content_filter' | 'other';

/** The assembled outcome of one completion. */
export interface ChatResult {
  /** The model that answered (as the server names it). */
  readonly model: string;
  /** The assistant turn, ready to append to the conversation. */
  readonly message: AssistantMessage;
  readonly finishReason: FinishReason;
  readonly usage: TokenUsage;
}

/** A piece of answer text. */
export interface TextDeltaEvent {
  readonly type: 'text-delta';
  readonly text: string;
}

/** A piece of a tool call; calls are told apart by `index` (several may be built in parallel). */
export interface ToolCallDeltaEvent {
  readonly type: 'tool-call-delta';
  readonly index: number;
  /** Present on the first delta of a call. */
  readonly id?: string;
  readonly name?: string;
  readonly argumentsDelta: string;
}

/** A tool call is complete (all its argument text has arrived). */
export interface ToolCallEvent {
  readonly type: 'tool-call';
  readonly index: number;
  readonly call: ToolCall;
}

/** Token usage, as soon as it is known. */
export interface UsageEvent {
  readonly type: 'usage';
  readonly usage: TokenUsage;
}

/** Always the last event of a stream: the assembled result. */
export interface FinishEvent {
  readonly type: 'finish';
  readonly result: ChatResult;
}

export type ChatEvent = TextDeltaEvent | ToolCallDeltaEvent | ToolCallEvent | UsageEvent | FinishEvent;

/** A chat model. Both calls reject with a {@link ModelError} (or the abort reason). */
export interface ChatModel {
  /** The configured model name. */
  readonly name: string;
  /** Streams the completion; the last event is always `finish` with the assembled result. */
  stream(request: ChatRequest, options?: ChatOptions): AsyncIterable<ChatEvent>;
  /** The whole completion at once. */
  complete(request: ChatRequest, options?: ChatOptions): Promise<ChatResult>;
}
