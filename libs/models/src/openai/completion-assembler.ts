import type {
  ChatEvent,
  ChatRequest,
  ChatResult,
  FinishReason,
  ToolCall,
  TokenUsage,
} from '../chat-model.port.js';
import { ModelError } from '../model-error.js';
import { estimatePromptTokens, estimateTokens } from '../token-estimate.js';
import { finishReasonOf, usageOf, type WireCompletion, type WireToolCall } from './openai.wire.js';

interface PartialCall {
  id: string;
  name: string;
  arguments: string;
}

/**
 * Turns Chat Completions chunks into {@link ChatEvent}s: text deltas as they come, tool-call deltas
 * joined by `index` (a server that omits the index gets one per new call id), complete tool calls
 * and usage at the end, then the assembled result. Only choice 0 is read (requests ask for one).
 */
export class CompletionAssembler {
  private model: string;
  private text = '';
  private readonly calls = new Map<number, PartialCall>();
  private wireFinish: string | null | undefined;
  private usage: TokenUsage | undefined;

  constructor(
    requestedModel: string,
    private readonly request: ChatRequest,
  ) {
    this.model = requestedModel;
  }

  /** Whether a finish reason has arrived (the answer is complete even if `[DONE]` never comes). */
  get finished(): boolean {
    return this.wireFinish !== undefined && this.wireFinish !== null;
  }

  /** Events for one streamed chunk (`delta`) or a whole response (`message`). */
  push(chunk: WireCompletion): ChatEvent[] {
    const events: ChatEvent[] = [];
    if (typeof chunk.model === 'string' && chunk.model !== '') this.model = chunk.model;
    if (chunk.usage) {
      this.usage = usageOf(chunk.usage);
      events.push({ type: 'usage', usage: this.usage });
    }
    const choice = chunk.choices?.find((c) => (c.index ?? 0) === 0);
    if (!choice) return events;
    const part = choice.delta ?? choice.message;
    if (part?.content) {
      this.text += part.content;
      events.push({ type: 'text-delta', text: part.content });
    }
    (part?.tool_calls ?? []).forEach((wire, position) => events.push(this.toolCallDelta(wire, position)));
    if (choice.finish_reason) this.wireFinish = choice.finish_reason;
    return events;
  }

  /** The closing events: each complete tool call, usage (estimated when the server sent none), finish. */
  finish(): ChatEvent[] {
    const events: ChatEvent[] = [];
    const toolCalls: ToolCall[] = [];
    for (const [index, partial] of [...this.calls.entries()].sort(([a], [b]) => a - b)) {
      if (partial.name === '')
        throw new ModelError(
          'protocol',
          `tool call ${index} (${partial.id}) arrived without a function name`,
        );
      const call: ToolCall = { ...partial };
      toolCalls.push(call);
      events.push({ type: 'tool-call', index, call });
    }
    if (!this.usage) {
      const promptTokens = estimatePromptTokens(this.request.messages, this.request.tools);
      const completionTokens =
        estimateTokens(this.text) +
        toolCalls.reduce((sum, c) => sum + estimateTokens(c.name) + estimateTokens(c.arguments), 0);
      this.usage = {
        promptTokens,
        completionTokens,
        totalTokens: promptTokens + completionTokens,
        source: 'estimated',
      };
      events.push({ type: 'usage', usage: this.usage });
    }
    let finishReason: FinishReason = finishReasonOf(this.wireFinish);
    // Some servers say `stop` after tool calls; the caller needs to know tools were asked for.
    if (toolCalls.length > 0 && finishReason !== 'length') finishReason = 'tool_calls';
    const result: ChatResult = {
      model: this.model,
      message:
        toolCalls.length > 0
          ? { role: 'assistant', content: this.text, toolCalls }
          : { role: 'assistant', content: this.text },
      finishReason,
      usage: this.usage,
    };
    events.push({ type: 'finish', result });
    return events;
  }

  private toolCallDelta(wire: WireToolCall, position: number): ChatEvent {
    const index = typeof wire.index === 'number' ? wire.index : this.indexWithout(wire.id, position);
    let partial = this.calls.get(index);
    if (!partial) {
      partial = { id: wire.id ?? `call_${index}`, name: '', arguments: '' };
      this.calls.set(index, partial);
    }
    const name = wire.function?.name;
    const argumentsDelta = wire.function?.arguments ?? '';
    // A name repeated on every delta (some servers) is kept once; a name split across deltas is joined.
    if (name && name !== partial.name) partial.name += name;
    partial.arguments += argumentsDelta;
    return {
      type: 'tool-call-delta',
      index,
      ...(wire.id !== undefined ? { id: wire.id } : {}),
      ...(name ? { name } : {}),
      argumentsDelta,
    };
  }

  /** The index of a delta from a server that sends none: its id's call, a new call, or the last one. */
  private indexWithout(id: string | undefined, position: number): number {
    if (id !== undefined) {
      for (const [index, call] of this.calls) if (call.id === id) return index;
      return this.calls.size;
    }
    return this.calls.size === 0 ? position : this.calls.size - 1;
  }
}
