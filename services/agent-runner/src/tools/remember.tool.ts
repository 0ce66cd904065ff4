import type { LongTermMemory } from '../memory/long-term-memory.js';
import {
  stringArg,
  toolError,
  type AgentTool,
  type ToolCallContext,
  type ToolOutcome,
} from './agent-tool.js';

/**
 * `remember`: stores a fact about the user in their long-term memory, recalled in later runs of
 * agents with long-term memory on. Idempotent: the same fact is one memory, so a retried call after
 * a crash stores nothing twice.
 */
export class RememberTool implements AgentTool {
  readonly name = 'remember';
  readonly definition = {
    name: 'remember',
    description:
      'Stores a short fact about the user or their preferences, to be recalled in later conversations.',
    parameters: {
      type: 'object',
      properties: { fact: { type: 'string', description: 'The fact, as one self-contained sentence.' } },
      required: ['fact'],
      additionalProperties: false,
    },
  } as const;

  constructor(private readonly memory: LongTermMemory) {}

  async execute(args: Record<string, unknown>, context: ToolCallContext): Promise<ToolOutcome> {
    const fact = stringArg(args, 'fact') ?? stringArg(args, 'text');
    if (!fact) return toolError('remember needs a non-empty "fact" string argument');
    context.signal.throwIfAborted();
    const id = await this.memory.remember(context.tenant, context.userId, fact, {
      agent: context.agent,
      runId: context.runId,
    });
    return { content: JSON.stringify({ remembered: true, id }), isError: false };
  }
}
