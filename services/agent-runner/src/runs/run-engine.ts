import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { create } from '@bufbuild/protobuf';
import { durationMs, timestampMs } from '@bufbuild/protobuf/wkt';
import { isFinished, type AgentStore, type RunLease } from '@cairn/agent-store';
import { AgentSchema, RunStatus, type Agent, type AgentRun } from '@cairn/contracts/cairn/agent/v1/agent';
import { ErrorDetailSchema, type Citation } from '@cairn/contracts/cairn/common/v1/common';
import { EVENT_BUS, type EventBus } from '@cairn/events';
import { citationsIn, ModelError, type ChatRequest } from '@cairn/models';
import { contextFromTraceparent, SpanKind, withSpan, type Logger } from '@cairn/observability';
import { LOGGER } from '@cairn/platform';
import { AgentCatalog } from '../agents/agent-catalog.js';
import { RunGuardrails } from '../guardrails/run-guardrails.js';
import { ModelProvider, tracedChat } from '../models/model-provider.js';
import { AGENT_STORE } from '../store/agent-store.provider.js';
import { ToolRegistry, type AgentToolbox } from '../tools/tool-registry.js';
import { decodePrepared, type PreparedRun } from './prepared-run.js';
import { RunEvents } from './run-events.js';
import { RunHub } from './run-hub.js';
import { interruptOf, RunInterrupted } from './run-interrupt.js';
import { RunPreparation } from './run-preparation.js';
import { RunState } from './run-state.js';
import { StepRecorder } from './step-recorder.js';
import { executeToolStep } from './tool-step.js';

/** A run this runner holds the lease of, and the signal that stops its work. */
export interface RunExecution {
  readonly lease: RunLease;
  /** Aborted with a {@link RunInterrupted} reason (cancel, lost lease, shutdown). */
  readonly signal: AbortSignal;
  /** Trace of the request that started the run (first execution only). */
  readonly traceparent?: string;
}

/** Everything one execution of a run works with. */
interface Execution {
  readonly run: AgentRun;
  readonly agent: Agent;
  readonly state: RunState;
  readonly recorder: StepRecorder;
  readonly toolbox: AgentToolbox;
  readonly guardrails: RunGuardrails;
  /** Aborted on an interrupt or when the wall-time budget is used up. */
  readonly signal: AbortSignal;
  readonly interrupts: AbortSignal;
  readonly deadline: number;
}

/**
 * Executes a run from where its steps left off: the model is called with the conversation rebuilt
 * from the recorded steps, each tool call it asks for is recorded before it runs and its result after
 * (so a resume never repeats a call that completed), guardrails and budgets apply at every step, and
 * the run ends with a final answer, an error, a cancel or an exhausted budget.
 */
@Injectable()
export class RunEngine {
  private readonly events: RunEvents;

  constructor(
    @Inject(AGENT_STORE) private readonly store: AgentStore,
    @Inject(EVENT_BUS) bus: EventBus,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly hub: RunHub,
    private readonly catalog: AgentCatalog,
    private readonly models: ModelProvider,
    private readonly tools: ToolRegistry,
    private readonly preparation: RunPreparation,
  ) {
    this.events = new RunEvents(bus);
  }

  /** The events a run publishes (also used to publish what a stopped runner left). */
  get runEvents(): RunEvents {
    return this.events;
  }

  async execute(runId: string, execution: RunExecution): Promise<void> {
    const run = await this.store.findRun(runId);
    if (!run || isFinished(run.status)) return;
    const stored = await this.store.steps(runId);
    const prepared = decodePrepared(await this.store.preparedContext(runId));
    const traceparent = prepared?.traceparent ?? execution.traceparent;
    const agent = await this.catalog.get(run.tenant, run.agent, run.agentVersion || undefined);
    await withSpan(
      `invoke_agent ${run.agent}`,
      {
        kind: SpanKind.INTERNAL,
        parent: contextFromTraceparent(traceparent),
        attributes: {
          'gen_ai.operation.name': 'invoke_agent',
          'gen_ai.agent.name': run.agent,
          'cairn.run_id': run.runId,
          'cairn.tenant': run.tenant,
          'cairn.run.resumed': stored.length > 0,
        },
      },
      async () => {
        const toolbox = await this.tools.toolbox(run.tenant, run.agent, agent?.allowedTools ?? []);
        const ready = prepared ?? (await this.preparation.prepare(run, agent, execution.lease, traceparent));
        const state = new RunState(
          agent ?? emptyAgent(run),
          ready,
          stored.map((s) => s.step),
          (tool) => toolbox.resolve(tool)?.definition.name ?? tool,
        );
        const recorder = new StepRecorder(
          this.store,
          this.events,
          this.hub,
          this.logger,
          execution.lease,
          run,
          state,
          traceparent,
        );
        await recorder.publishLeftovers(stored);
        if (!agent) {
          await this.fail(
            recorder,
            'FAILED',
            `agent ${run.agent} version ${run.agentVersion} no longer exists`,
            'AGENT_NOT_FOUND',
          );
          return;
        }
        const guardrails = new RunGuardrails(agent.guardrails);
        if (state.stepCount === 0 && !(await this.recordStart(run, agent, ready, recorder, guardrails)))
          return;
        const deadline = deadlineOf(run);
        const timeout = AbortSignal.timeout(Math.max(0, deadline - Date.now()));
        const signal = AbortSignal.any([execution.signal, timeout]);
        const ctx: Execution = {
          run,
          agent,
          state,
          recorder,
          toolbox,
          guardrails,
          signal,
          interrupts: execution.signal,
          deadline,
        };
        await this.loop(ctx);
      },
    );
  }

  /**
   * The first steps of a run: the input guardrails' verdicts and what was recalled from memory. False
   * when the input was blocked (the run failed).
   */
  private async recordStart(
    run: AgentRun,
    agent: Agent,
    prepared: PreparedRun,
    recorder: StepRecorder,
    guardrails: RunGuardrails,
  ): Promise<boolean> {
    const started = Date.now();
    const checked = guardrails.input(run.input);
    for (const verdict of checked.verdicts)
      await recorder.record({ case: 'guardrailVerdict', value: verdict }, started);
    if (checked.stopped) {
      await this.fail(
        recorder,
        'FAILED',
        `the input was blocked: ${checked.stopped.reason}`,
        'GUARDRAIL_BLOCKED',
      );
      return false;
    }
    if (agent.memory?.enabled || agent.memory?.longTerm)
      await recorder.record(
        {
          case: 'memoryRecall',
          value: {
            sessionMessages: prepared.history.length,
            summarized: prepared.summary !== '',
            memoryIds: prepared.memories.map((m) => m.id),
          },
        },
        started,
      );
    return true;
  }

  private async loop(ctx: Execution): Promise<void> {
    const { state, run } = ctx;
    while (!state.finished) {
      try {
        await this.checkCancel(ctx);
        const exhausted = this.exhausted(ctx);
        if (exhausted) {
          await this.fail(ctx.recorder, 'BUDGET_EXCEEDED', exhausted.message, 'BUDGET_EXCEEDED', {
            limit: exhausted.limit,
          });
          return;
        }
        const pending = state.pendingCalls()[0];
        if (pending) {
          await executeToolStep(pending, {
            agent: ctx.agent,
            state,
            recorder: ctx.recorder,
            toolbox: ctx.toolbox,
            guardrails: ctx.guardrails,
            call: {
              tenant: run.tenant,
              runId: run.runId,
              agent: run.agent,
              userId: run.userId,
              principal: run.principal,
              collections: ctx.agent.collections,
              retrieval: retrievalOf(ctx.agent),
              signal: ctx.signal,
            },
          });
        } else {
          await this.modelStep(ctx);
        }
      } catch (error) {
        if (await this.stopped(ctx, error)) return;
        throw error;
      }
    }
  }

  private async modelStep(ctx: Execution): Promise<void> {
    const { state, agent, run, recorder } = ctx;
    const started = Date.now();
    const model = this.models.model(agent.model);
    const request: ChatRequest = {
      messages: state.messages,
      tools: ctx.toolbox.offered.map((tool) => tool.definition),
      temperature: agent.temperature,
    };
    let result;
    try {
      result = await tracedChat(model, request, { signal: ctx.signal }, agent.name);
    } catch (error) {
      if (ctx.signal.aborted || !(error instanceof ModelError)) throw error;
      await this.fail(recorder, 'FAILED', `the model failed: ${error.message}`, 'MODEL_ERROR', {
        code: error.code,
      });
      return;
    }
    run.model = result.model;
    const calls = result.message.toolCalls ?? [];
    await recorder.record(
      {
        case: 'modelCall',
        value: {
          model: result.model,
          promptTokens: result.usage.promptTokens,
          completionTokens: result.usage.completionTokens,
          finishReason: result.finishReason,
          content: result.message.content,
          promptDigest: digest(request),
        },
      },
      started,
    );
    if (calls.length > 0) {
      for (const call of calls) {
        const exhausted = this.exhausted(ctx, true);
        if (exhausted) {
          await this.fail(recorder, 'BUDGET_EXCEEDED', exhausted.message, 'BUDGET_EXCEEDED', {
            limit: exhausted.limit,
          });
          return;
        }
        const tool = ctx.toolbox.resolve(call.name)?.name ?? call.name;
        await recorder.record(
          { case: 'toolCall', value: { callId: call.id, tool, argumentsJson: call.arguments } },
          Date.now(),
        );
      }
      return;
    }
    await this.answer(ctx, result.message.content, started);
  }

  /** The final answer: redacted by the output guardrail, with the citations it refers to. */
  private async answer(ctx: Execution, text: string, started: number): Promise<void> {
    const checked = ctx.guardrails.output(text);
    for (const verdict of checked.verdicts)
      await ctx.recorder.record({ case: 'guardrailVerdict', value: verdict }, started);
    if (checked.stopped) {
      await this.fail(
        ctx.recorder,
        'FAILED',
        `the answer was blocked: ${checked.stopped.reason}`,
        'GUARDRAIL_BLOCKED',
      );
      return;
    }
    const citations = citationsIn(checked.text)
      .map((n) => ctx.state.citation(n))
      .filter((c): c is Citation => c !== undefined);
    ctx.run.answer = checked.text;
    ctx.run.citations = citations;
    await ctx.recorder.record(
      { case: 'finalAnswer', value: { text: checked.text, citations } },
      started,
      RunStatus.SUCCEEDED,
    );
  }

  /** Handles an error of a step: true when the run ended or this runner must stop. */
  private async stopped(ctx: Execution, error: unknown): Promise<boolean> {
    const interrupt = interruptOf(ctx.interrupts) ?? (error instanceof RunInterrupted ? error : undefined);
    if (interrupt?.kind === 'cancel') {
      await this.fail(ctx.recorder, 'CANCELLED', interrupt.message, 'CANCELLED');
      return true;
    }
    if (interrupt) {
      this.logger.info(
        { runId: ctx.run.runId, why: interrupt.kind },
        'run stopped on this runner; it will resume',
      );
      return true;
    }
    if (ctx.signal.aborted && Date.now() >= ctx.deadline - 5) {
      const limit = ctx.run.budget?.maxWallTime ? durationMs(ctx.run.budget.maxWallTime) / 1000 : 0;
      await this.fail(
        ctx.recorder,
        'BUDGET_EXCEEDED',
        `wall time budget of ${limit} s used up`,
        'BUDGET_EXCEEDED',
        {
          limit: 'wall_time',
        },
      );
      return true;
    }
    return false;
  }

  private async checkCancel(ctx: Execution): Promise<void> {
    ctx.interrupts.throwIfAborted();
    if (await this.store.cancelRequested(ctx.run.runId))
      throw new RunInterrupted('cancel', 'cancelled by a caller');
  }

  /** The budget limit reached before the next step (a tool call when `toolCall`), if any. */
  private exhausted(ctx: Execution, toolCall = false): { limit: string; message: string } | undefined {
    const used = ctx.state.used;
    const budget = ctx.run.budget;
    if (toolCall && budget?.maxToolCalls && used.toolCalls >= budget.maxToolCalls)
      return { limit: 'tool_calls', message: `tool call budget of ${budget.maxToolCalls} used up` };
    if (budget?.maxSteps && used.steps >= budget.maxSteps)
      return { limit: 'steps', message: `step budget of ${budget.maxSteps} used up` };
    const tokens = used.promptTokens + used.completionTokens;
    if (budget?.maxTokens && tokens >= budget.maxTokens)
      return { limit: 'tokens', message: `token budget of ${budget.maxTokens} used up (${tokens} tokens)` };
    if (Date.now() >= ctx.deadline) return { limit: 'wall_time', message: 'wall time budget used up' };
    return undefined;
  }

  /** Ends the run with an error step. */
  private async fail(
    recorder: StepRecorder,
    status: 'FAILED' | 'CANCELLED' | 'BUDGET_EXCEEDED',
    message: string,
    reason: string,
    metadata: Record<string, string> = {},
  ): Promise<void> {
    const error = create(ErrorDetailSchema, { reason, message, metadata });
    recorder.run.error = error;
    await recorder.record({ case: 'error', value: error }, Date.now(), RunStatus[status]);
  }
}

function deadlineOf(run: AgentRun): number {
  const started = run.startedAt ? timestampMs(run.startedAt) : Date.now();
  const wall = run.budget?.maxWallTime ? durationMs(run.budget.maxWallTime) : 300_000;
  return started + wall;
}

function retrievalOf(agent: Agent) {
  const r = agent.retrieval;
  return {
    topK: r?.topK || 20,
    tokenBudget: r?.tokenBudget || 2000,
    minScore: r?.minScore ?? 0,
    diversify: r?.diversify ?? false,
    mode: r?.mode ?? 0,
  };
}

/** SHA-256 of the prompt sent (messages and tool definitions), hex. */
function digest(request: ChatRequest): string {
  return createHash('sha256')
    .update(JSON.stringify({ m: request.messages, t: request.tools }))
    .digest('hex');
}

function emptyAgent(run: AgentRun): Agent {
  return create(AgentSchema, { name: run.agent });
}
