import { readFile } from 'node:fs/promises';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { AgentVersionConflictError, type AgentStore, type PutAgentResult } from '@cairn/agent-store';
import { AgentSchema, type Agent } from '@cairn/contracts/cairn/agent/v1/agent';
import { ToolAllowlistPolicy } from '@cairn/guardrails';
import type { Logger } from '@cairn/observability';
import { LOGGER, PLATFORM_CONFIG } from '@cairn/platform';
import type { AgentRunnerConfig } from '../agent-runner.config.js';
import { unknownGuardrails } from '../guardrails/run-guardrails.js';
import { ModelProvider } from '../models/model-provider.js';
import { AGENT_STORE } from '../store/agent-store.provider.js';
import { DEFAULT_AGENT, defaultAgent } from './builtin-agents.js';

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const MAX_PROMPT_CHARS = 32_000;

/** An agent definition the catalog refuses, naming the field. */
export class InvalidAgentError extends Error {
  override readonly name = 'InvalidAgentError';
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/** A definition whose expected version is stale. */
export { AgentVersionConflictError };

/**
 * Agent definitions: stored through PutAgent or declared in `agent.agentsFile` (loaded at start), plus
 * the built-in `default` agent every tenant has until it defines its own.
 */
@Injectable()
export class AgentCatalog implements OnApplicationBootstrap {
  constructor(
    @Inject(AGENT_STORE) private readonly store: AgentStore,
    @Inject(PLATFORM_CONFIG) private readonly config: AgentRunnerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly models: ModelProvider,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const file = this.config.agent.agentsFile;
    if (!file) return;
    const declared = parseAgentsFile(await readFile(file, 'utf8'), file);
    for (const { tenant, agent } of declared) {
      this.validate(agent);
      const result = await this.store.putAgent(tenant, agent, 0, Date.now());
      if (result.changed)
        this.logger.info({ tenant, agent: agent.name, version: result.agent.version }, 'agent declared');
    }
  }

  async put(tenant: string, agent: Agent, expectedVersion: number): Promise<PutAgentResult> {
    this.validate(agent);
    return this.store.putAgent(tenant, agent, expectedVersion, Date.now());
  }

  /** The agent (a given version, or the current one), the built-in default included. */
  async get(tenant: string, name: string, version?: number): Promise<Agent | undefined> {
    const stored = await this.store.getAgent(tenant, name, version);
    if (stored) return stored;
    return name === DEFAULT_AGENT && !version ? defaultAgent(tenant) : undefined;
  }

  /** Throws {@link InvalidAgentError} for a definition that cannot run. */
  validate(agent: Agent): void {
    if (!NAME.test(agent.name))
      throw new InvalidAgentError('agent.name must match [a-z0-9][a-z0-9-]{0,62}', 'agent.name');
    if (agent.systemPrompt.length > MAX_PROMPT_CHARS)
      throw new InvalidAgentError(
        `agent.system_prompt is longer than ${MAX_PROMPT_CHARS} characters`,
        'agent.system_prompt',
      );
    const model = this.models.problem(agent.model);
    if (model) throw new InvalidAgentError(model, 'agent.model');
    try {
      new ToolAllowlistPolicy([{ allow: agent.allowedTools }]);
    } catch (error) {
      throw new InvalidAgentError(`agent.allowed_tools: ${(error as Error).message}`, 'agent.allowed_tools');
    }
    const unknown = unknownGuardrails(agent.guardrails);
    if (unknown.length > 0)
      throw new InvalidAgentError(
        `unknown guardrails ${unknown.join(', ')}: use pii (or pii-redaction) and prompt-injection`,
        'agent.guardrails',
      );
    if (agent.collections.some((collection) => collection.trim() === ''))
      throw new InvalidAgentError('agent.collections must not hold empty names', 'agent.collections');
    const retrieval = agent.retrieval;
    if (retrieval && retrieval.topK > 100)
      throw new InvalidAgentError('agent.retrieval.top_k must be at most 100', 'agent.retrieval.top_k');
    if (retrieval && retrieval.minScore < 0)
      throw new InvalidAgentError(
        'agent.retrieval.min_score must not be negative',
        'agent.retrieval.min_score',
      );
    if (agent.temperature < 0 || agent.temperature > 2)
      throw new InvalidAgentError('agent.temperature must be between 0 and 2', 'agent.temperature');
  }
}

/** `{"agents":[{"tenant":"acme","agent":{…protobuf JSON of Agent…}}]}`. */
export function parseAgentsFile(text: string, source: string): { tenant: string; agent: Agent }[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
  const entries = (json as { agents?: unknown }).agents;
  if (!Array.isArray(entries)) throw new Error(`${source}: expected {"agents": [...]}`);
  return entries.map((entry: unknown, index) => {
    const { tenant, agent } = (entry ?? {}) as { tenant?: unknown; agent?: unknown };
    if (typeof tenant !== 'string' || tenant === '')
      throw new Error(`${source}: agents.${index}.tenant is missing`);
    try {
      return { tenant, agent: fromJson(AgentSchema, agent as JsonValue) };
    } catch (error) {
      throw new Error(`${source}: agents.${index}.agent: ${(error as Error).message}`, { cause: error });
    }
  });
}
