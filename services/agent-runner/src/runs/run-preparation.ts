import { Inject, Injectable } from '@nestjs/common';
import type { AgentStore, RunLease } from '@cairn/agent-store';
import type { Agent, AgentRun } from '@cairn/contracts/cairn/agent/v1/agent';
import type { Logger } from '@cairn/observability';
import { LOGGER, PLATFORM_CONFIG } from '@cairn/platform';
import type { AgentRunnerConfig } from '../agent-runner.config.js';
import { RunGuardrails } from '../guardrails/run-guardrails.js';
import { ConversationMemory } from '../memory/conversation-memory.js';
import { LongTermMemory, type Memory } from '../memory/long-term-memory.js';
import { AGENT_STORE } from '../store/agent-store.provider.js';
import { encodePrepared, type PreparedRun } from './prepared-run.js';

/**
 * Settles what a run starts from, once, before its first step: the input after the input guardrails
 * (personal data redacted, so it never reaches the model), the session's history and summary, and the
 * user's long-term memories most similar to the input. Stored with the run, so a resume elsewhere
 * builds the same prompt.
 */
@Injectable()
export class RunPreparation {
  constructor(
    @Inject(AGENT_STORE) private readonly store: AgentStore,
    @Inject(PLATFORM_CONFIG) private readonly config: AgentRunnerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly conversation: ConversationMemory,
    private readonly longTerm: LongTermMemory,
  ) {}

  async prepare(
    run: AgentRun,
    agent: Agent | undefined,
    lease: RunLease,
    traceparent: string | undefined,
  ): Promise<PreparedRun> {
    const input = new RunGuardrails(agent?.guardrails ?? []).input(run.input).text;
    const session = agent
      ? await this.conversation.context(run, agent.memory, Date.now())
      : { history: [], summary: '' };
    const memories = agent?.memory?.longTerm ? await this.recall(run, agent, input) : [];
    const prepared: PreparedRun = {
      version: 1,
      input,
      history: session.history,
      summary: session.summary,
      memories,
      ...(traceparent ? { traceparent } : {}),
    };
    await this.store.setPreparedContext(lease, encodePrepared(prepared));
    return prepared;
  }

  /** Recall is best effort: a run goes on without memories when the vector tier does not answer. */
  private async recall(run: AgentRun, agent: Agent, input: string): Promise<Memory[]> {
    try {
      const topK = agent.memory?.recallTopK || this.config.agent.memoryRecallTopK;
      return await this.longTerm.recall(run.tenant, run.userId, input, topK);
    } catch (error) {
      this.logger.warn(
        { err: error, runId: run.runId },
        'long-term memory recall failed; the run goes on without it',
      );
      return [];
    }
  }
}
