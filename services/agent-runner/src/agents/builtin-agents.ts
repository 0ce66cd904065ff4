import { create } from '@bufbuild/protobuf';
import { AgentSchema, type Agent } from '@cairn/contracts/cairn/agent/v1/agent';
import { ALL_COLLECTIONS } from '../tools/retrieve.tool.js';

/** Name of the agent every tenant has without defining it. */
export const DEFAULT_AGENT = 'default';

/**
 * The built-in `default` agent: answers from all of the tenant's collections with citations, on the
 * platform's default model, with session memory. A tenant may replace it with PutAgent.
 */
export function defaultAgent(tenant: string): Agent {
  return create(AgentSchema, {
    name: DEFAULT_AGENT,
    tenant,
    description: "Answers questions from the tenant's documents, citing its sources.",
    systemPrompt:
      'You are the assistant of this knowledge base. Answer the question with the passages the retrieve tool ' +
      'returns and cite every passage you use with its [n] marker. If the passages do not answer it, say so.',
    model: '',
    allowedTools: ['retrieve'],
    collections: [ALL_COLLECTIONS],
    memory: { enabled: true },
    version: 0,
  });
}
