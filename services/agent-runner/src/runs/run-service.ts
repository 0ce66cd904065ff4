import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { create } from '@bufbuild/protobuf';
import { durationFromMs, durationMs, timestampFromMs } from '@bufbuild/protobuf/wkt';
import { isFinished, type AgentStore, type RunPage, type RunQuery } from '@cairn/agent-store';
import {
  AgentRunSchema,
  BudgetSchema,
  RunStatus,
  type AgentRun,
  type Budget,
  type RunStep,
} from '@cairn/contracts/cairn/agent/v1/agent';
import { EVENT_BUS, type EventBus } from '@cairn/events';
import type { Logger } from '@cairn/observability';
import { LOGGER, PLATFORM_CONFIG } from '@cairn/platform';
import type { AgentRunnerConfig } from '../agent-runner.config.js';
import { AgentCatalog } from '../agents/agent-catalog.js';
import { AGENT_STORE } from '../store/agent-store.provider.js';
import { RunEvents } from './run-events.js';
import { RunHub } from './run-hub.js';
import { RunScheduler } from './run-scheduler.js';

/** A run to start, as every entry point (gRPC, Kafka, MCP) describes it. */
export interface RunStart {
  readonly tenant: string;
  readonly agent: string;
  readonly input: string;
  readonly sessionId: string;
  readonly userId: string;
  readonly budget: Budget | undefined;
  readonly requestId: string;
  readonly idempotencyKey: string;
  /** Chosen by the caller (Kafka producers); empty = generated. */
  readonly runId: string;
}

/** Who starts a run and how. */
export interface RunOrigin {
  /** Recorded as the run's principal; calls to other services act on its behalf. */
  readonly principal: string;
  readonly traceparent: string | undefined;
  /** Publish AgentRunRequested (false when the run came from that topic). */
  readonly publishRequested: boolean;
}

/** A run request the service refuses, naming the field. */
export class InvalidRunRequestError extends Error {
  override readonly name = 'InvalidRunRequestError';
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/** The agent or run asked for does not exist. */
export class RunSubjectNotFoundError extends Error {
  override readonly name = 'RunSubjectNotFoundError';
  constructor(
    message: string,
    readonly reason: 'AGENT_NOT_FOUND' | 'RUN_NOT_FOUND',
  ) {
    super(message);
  }
}

/** One completed step as a Run stream shows it. */
export interface RunProgress {
  readonly step: RunStep;
  readonly status: RunStatus;
}

const SESSION_ID = /^[A-Za-z0-9._:-]{1,200}$/;
/** How often a stream of a run executed elsewhere looks for new steps. */
const FOLLOW_POLL_MS = 250;

/**
 * Runs as the API sees them: start (idempotent), follow step by step, get, cancel, list. Starting
 * records the run (PENDING) before anything else, so an accepted run is never lost; execution is the
 * scheduler's.
 */
@Injectable()
export class RunService {
  private readonly events: RunEvents;

  constructor(
    @Inject(AGENT_STORE) private readonly store: AgentStore,
    @Inject(PLATFORM_CONFIG) private readonly config: AgentRunnerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(EVENT_BUS) bus: EventBus,
    private readonly catalog: AgentCatalog,
    private readonly scheduler: RunScheduler,
    private readonly hub: RunHub,
  ) {
    this.events = new RunEvents(bus);
  }

  /** Records the run and hands it to the scheduler; an idempotent retry returns the existing run. */
  async start(request: RunStart, origin: RunOrigin): Promise<{ run: AgentRun; created: boolean }> {
    const input = request.input.trim();
    if (input === '') throw new InvalidRunRequestError('input must not be empty', 'input');
    if (input.length > this.config.agent.maxInputChars)
      throw new InvalidRunRequestError(
        `input is longer than ${this.config.agent.maxInputChars} characters`,
        'input',
      );
    if (request.sessionId !== '' && !SESSION_ID.test(request.sessionId))
      throw new InvalidRunRequestError('session_id must be 1-200 letters, digits or . _ : -', 'session_id');
    if (request.agent === '') throw new InvalidRunRequestError('agent must name an agent', 'agent');
    const agent = await this.catalog.get(request.tenant, request.agent);
    if (!agent)
      throw new RunSubjectNotFoundError(
        `agent ${request.agent} does not exist in tenant ${request.tenant}`,
        'AGENT_NOT_FOUND',
      );
    const now = Date.now();
    const run = create(AgentRunSchema, {
      runId: request.runId || randomUUID(),
      tenant: request.tenant,
      agent: agent.name,
      agentVersion: agent.version,
      input,
      sessionId: request.sessionId,
      userId: request.userId || origin.principal,
      status: RunStatus.PENDING,
      budget: this.effectiveBudget(agent.budget, request.budget),
      model: agent.model || defaultModelName(this.config),
      principal: origin.principal,
      requestId: request.requestId || randomUUID(),
      createdAt: timestampFromMs(now),
    });
    const result = await this.store.createRun(run, request.idempotencyKey);
    if (result.created) {
      if (origin.publishRequested)
        await this.events
          .requested(result.run, request.idempotencyKey, origin.traceparent)
          .catch((error: unknown) =>
            this.logger.warn(
              { err: error, runId: run.runId },
              'could not publish AgentRunRequested; the run goes on',
            ),
          );
      void this.scheduler.submit(result.run.runId, origin.traceparent);
    }
    return result;
  }

  /**
   * The run's steps from the first one, as they are recorded, until it ends. `signal` (the caller
   * going away) cancels the run when `cancelOnAbort`.
   */
  async *follow(
    tenant: string,
    runId: string,
    signal: AbortSignal,
    cancelOnAbort: boolean,
  ): AsyncGenerator<RunProgress> {
    let wake: (() => void) | undefined;
    const unsubscribe = this.hub.subscribe(runId, () => wake?.());
    const onAbort = () => wake?.();
    signal.addEventListener('abort', onAbort);
    let next = 0;
    try {
      for (;;) {
        const steps = (await this.store.steps(runId, next)).map((s) => s.step);
        const run = await this.store.getRun(tenant, runId);
        if (!run) throw new RunSubjectNotFoundError(`run ${runId} does not exist`, 'RUN_NOT_FOUND');
        // A step and the status it leads to are stored in one transaction: a run read as finished has
        // all its steps stored, including any appended since they were read just now.
        const all = isFinished(run.status) ? (await this.store.steps(runId, next)).map((s) => s.step) : steps;
        for (const step of all) {
          next = step.index + 1;
          const terminal = step.kind.case === 'finalAnswer' || step.kind.case === 'error';
          yield { step, status: terminal ? run.status : RunStatus.RUNNING };
        }
        if (isFinished(run.status)) return;
        if (signal.aborted) {
          if (cancelOnAbort) await this.cancel(tenant, runId, 'the Run call was cancelled');
          return;
        }
        if (all.length > 0) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, FOLLOW_POLL_MS);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    } finally {
      unsubscribe();
      signal.removeEventListener('abort', onAbort);
    }
  }

  async get(tenant: string, runId: string): Promise<{ run: AgentRun; steps: () => Promise<RunStep[]> }> {
    const run = await this.store.getRun(tenant, runId);
    if (!run) throw new RunSubjectNotFoundError(`run ${runId} does not exist`, 'RUN_NOT_FOUND');
    return { run, steps: async () => (await this.store.steps(runId)).map((s) => s.step) };
  }

  /** Requests the cancel; a run executing here stops at once, elsewhere before its next step. */
  async cancel(tenant: string, runId: string, reason: string): Promise<AgentRun> {
    const run = await this.store.requestCancel(tenant, runId, reason || 'cancelled by a caller', Date.now());
    if (!run) throw new RunSubjectNotFoundError(`run ${runId} does not exist`, 'RUN_NOT_FOUND');
    if (!isFinished(run.status)) this.scheduler.cancelLocal(runId, reason);
    if (run.status === RunStatus.CANCELLED && !this.scheduler.isActive(runId))
      await this.events
        .runCompleted(run, undefined)
        .catch((error: unknown) =>
          this.logger.warn({ err: error, runId }, 'could not publish the cancelled run'),
        );
    return run;
  }

  list(tenant: string, query: RunQuery): Promise<RunPage> {
    return this.store.listRuns(tenant, query);
  }

  /** Per limit: the lowest of the platform's, the agent's and the request's (0 = not set). */
  private effectiveBudget(agent: Budget | undefined, request: Budget | undefined): Budget {
    const d = this.config.agent;
    const pick = (platform: number, ...others: (number | undefined)[]) =>
      Math.min(platform, ...others.filter((n): n is number => n !== undefined && n > 0));
    const wall = (b: Budget | undefined) => (b?.maxWallTime ? durationMs(b.maxWallTime) : undefined);
    return create(BudgetSchema, {
      maxSteps: pick(d.maxSteps, agent?.maxSteps, request?.maxSteps),
      maxTokens: pick(d.maxTokens, agent?.maxTokens, request?.maxTokens),
      maxToolCalls: pick(d.maxToolCalls, agent?.maxToolCalls, request?.maxToolCalls),
      maxWallTime: durationFromMs(pick(d.maxWallTimeSeconds * 1000, wall(agent), wall(request))),
    });
  }
}

/** The name of the platform's default model, as runs record it. */
function defaultModelName(config: AgentRunnerConfig): string {
  const { provider, openai } = config.chatModel;
  return provider === 'openai' ? `openai/${openai.model ?? ''}` : provider;
}
