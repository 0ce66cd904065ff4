import type { ChatEvent, ChatModel, ChatOptions, ChatRequest, ChatResult } from '../chat-model.port.js';
import { collectChat } from '../chat-result.js';
import { streamTurn, type ChatTurn } from '../chat-turn.js';

/** One scripted step: a turn, a function of the request giving a turn, or an error to throw. */
export type ScriptedStep = ChatTurn | ((request: ChatRequest) => ChatTurn) | Error;

/**
 * A {@link ChatModel} for unit tests of callers: answers each call with the next scripted step and
 * records every request. Running out of steps is an error naming the request, so a loop that calls
 * the model more often than expected fails.
 */
export class ScriptedChatModel implements ChatModel {
  readonly requests: ChatRequest[] = [];
  private readonly steps: ScriptedStep[];

  constructor(
    steps: readonly ScriptedStep[] = [],
    readonly name = 'scripted',
  ) {
    this.steps = [...steps];
  }

  /** Appends steps. */
  push(...steps: ScriptedStep[]): void {
    this.steps.push(...steps);
  }

  /** Steps not used yet. */
  get remaining(): number {
    return this.steps.length;
  }

  async *stream(request: ChatRequest, options: ChatOptions = {}): AsyncGenerator<ChatEvent> {
    options.signal?.throwIfAborted();
    this.requests.push(request);
    const step = this.steps.shift();
    if (step === undefined)
      throw new Error(`ScriptedChatModel: no scripted step left for call ${this.requests.length}`);
    if (step instanceof Error) throw step;
    yield* streamTurn(this.name, request, typeof step === 'function' ? step(request) : step, options.signal);
  }

  complete(request: ChatRequest, options?: ChatOptions): Promise<ChatResult> {
    return collectChat(this.stream(request, options));
  }
}
