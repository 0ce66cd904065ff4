import type { Agent, RunStep } from '@cairn/contracts/cairn/agent/v1/agent';
import type { Citation } from '@cairn/contracts/cairn/common/v1/common';
import type { ChatMessage, ToolCall } from '@cairn/models';
import type { PreparedRun } from './prepared-run.js';

/** A tool call the model asked for whose result is not recorded yet. */
export interface PendingToolCall {
  readonly call: ToolCall;
  /** Index of its tool_call step: the idempotency key of its execution is `<run>:<index>`. */
  readonly stepIndex: number;
}

/** What a run has used so far, as its steps show. */
export interface StepUsage {
  /** Model calls and tool calls. */
  readonly steps: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly toolCalls: number;
}

/**
 * A run's conversation and progress, rebuilt from its prepared context and recorded steps (and kept
 * up to date as steps are added): the messages for the next model call, the tool calls still to
 * execute, the citations numbered so far, the usage, and whether the run ended.
 */
export class RunState {
  readonly messages: ChatMessage[];
  private readonly pending = new Map<string, PendingToolCall>();
  private readonly citations = new Map<number, Citation>();
  private usage = { steps: 0, promptTokens: 0, completionTokens: 0, toolCalls: 0 };
  private openTurn: { content: string; toolCalls: ToolCall[]; at: number } | undefined;
  private ended = false;
  private count = 0;

  /**
   * @param modelName the name the model knows a tool by, from the canonical name steps record
   *   (`mcp:github/search` → `github__search`); identity for built-in tools.
   */
  constructor(
    agent: Agent,
    prepared: PreparedRun,
    steps: readonly RunStep[] = [],
    private readonly modelName: (tool: string) => string = (tool) => tool,
  ) {
    this.messages = [
      { role: 'system', content: systemPrompt(agent, prepared) },
      ...prepared.history.map((m) => ({ role: m.role, content: m.content })),
      { role: 'user', content: prepared.input },
    ];
    for (const step of steps) this.apply(step);
  }

  /** Number of steps recorded: the index of the next one. */
  get stepCount(): number {
    return this.count;
  }

  get finished(): boolean {
    return this.ended;
  }

  get used(): StepUsage {
    return { ...this.usage };
  }

  /** The tool calls still to execute, in the order the model asked for them. */
  pendingCalls(): PendingToolCall[] {
    return [...this.pending.values()];
  }

  /** The next free citation number of the run. */
  nextCitation(): number {
    return Math.max(0, ...this.citations.keys()) + 1;
  }

  /** A citation given in a retrieval step of this run. */
  citation(index: number): Citation | undefined {
    return this.citations.get(index);
  }

  /** Takes a recorded step into account. */
  apply(step: RunStep): void {
    this.count = Math.max(this.count, step.index + 1);
    const kind = step.kind;
    switch (kind.case) {
      case 'modelCall':
        this.usage.steps++;
        this.usage.promptTokens += kind.value.promptTokens;
        this.usage.completionTokens += kind.value.completionTokens;
        this.openTurn = { content: kind.value.content, toolCalls: [], at: this.messages.length };
        this.messages.push({ role: 'assistant', content: kind.value.content });
        break;
      case 'toolCall': {
        this.usage.steps++;
        this.usage.toolCalls++;
        const call: ToolCall = {
          id: kind.value.callId,
          name: this.modelName(kind.value.tool),
          arguments: kind.value.argumentsJson,
        };
        if (this.openTurn) {
          this.openTurn.toolCalls.push(call);
          this.messages[this.openTurn.at] = {
            role: 'assistant',
            content: this.openTurn.content,
            toolCalls: [...this.openTurn.toolCalls],
          };
        }
        this.pending.set(call.id, { call, stepIndex: step.index });
        break;
      }
      case 'toolResult':
        this.pending.delete(kind.value.callId);
        this.messages.push({ role: 'tool', toolCallId: kind.value.callId, content: kind.value.content });
        break;
      case 'retrieval':
        for (const citation of kind.value.citations) this.citations.set(citation.index, citation);
        break;
      case 'finalAnswer':
      case 'error':
        this.ended = true;
        break;
      case 'guardrailVerdict':
      case 'memoryRecall':
      case undefined:
        break;
    }
  }
}

/** The agent's prompt, with what the run recalled from memory. */
function systemPrompt(agent: Agent, prepared: PreparedRun): string {
  const parts = [agent.systemPrompt.trim() || 'You are a helpful assistant.'];
  if (prepared.summary) parts.push(`Summary of the earlier conversation:\n${prepared.summary}`);
  if (prepared.memories.length > 0)
    parts.push(
      `What you remember about the user:\n${prepared.memories.map((m) => `- ${m.text}`).join('\n')}`,
    );
  return parts.join('\n\n');
}
