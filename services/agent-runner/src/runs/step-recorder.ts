import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { durationFromMs, timestampFromMs, timestampMs } from '@bufbuild/protobuf/wkt';
import type { AgentStore, RunLease, StoredStep } from '@cairn/agent-store';
import { isFinished } from '@cairn/agent-store';
import {
  RunStepSchema,
  RunUsageSchema,
  type AgentRun,
  type RunStatus,
  type RunStep,
} from '@cairn/contracts/cairn/agent/v1/agent';
import type { Logger } from '@cairn/observability';
import type { RunEvents } from './run-events.js';
import type { RunHub } from './run-hub.js';
import type { RunState } from './run-state.js';

/** What a step reports: one of the `RunStep.kind` cases, as a plain object. */
export type StepKind = MessageInitShape<typeof RunStepSchema>['kind'];

/** How often publishing a step is tried before the run stops (and a resume publishes it). */
const PUBLISH_ATTEMPTS = 4;

/**
 * Records a run's steps: each is appended to the store under the lease together with the run's
 * snapshot (the checkpoint a resume starts from), then published as AgentStepCompleted, then marked
 * published, and shown to local Run streams. A run's last step is marked only once AgentRunCompleted
 * is out too, so that a runner stopping in between leaves it for the next one to publish.
 */
export class StepRecorder {
  constructor(
    private readonly store: AgentStore,
    private readonly events: RunEvents,
    private readonly hub: RunHub,
    private readonly logger: Logger,
    private readonly lease: RunLease,
    readonly run: AgentRun,
    private readonly state: RunState,
    private readonly traceparent: string | undefined,
  ) {}

  /** Records the next step; with `status`, the run moves to it (a finished status ends the run). */
  async record(kind: StepKind, startedAt: number, status?: RunStatus): Promise<RunStep> {
    const now = Date.now();
    const step = create(RunStepSchema, {
      index: this.state.stepCount,
      time: timestampFromMs(now),
      duration: durationFromMs(Math.max(0, now - startedAt)),
      kind,
    });
    this.state.apply(step);
    this.refreshSnapshot(now);
    if (status !== undefined) this.run.status = status;
    if (isFinished(this.run.status)) this.run.completedAt = timestampFromMs(now);
    await this.store.appendStep(this.lease, step, this.run);
    await this.announce(step, isFinished(this.run.status));
    this.hub.emit({ runId: this.run.runId, step, status: this.run.status });
    return step;
  }

  /** Stores the snapshot without a step (status changes, usage). */
  async save(): Promise<void> {
    this.refreshSnapshot(Date.now());
    await this.store.updateRun(this.lease, this.run);
  }

  /** Publishes the steps a stopped runner left unpublished (and the completion of a finished run). */
  async publishLeftovers(stored: readonly StoredStep[]): Promise<void> {
    const left = stored.filter((s) => !s.published).map((s) => s.step);
    await publishSteps(this.events, this.store, this.run, left, this.traceparent);
  }

  private async announce(step: RunStep, last: boolean): Promise<void> {
    await retry(
      () => this.events.stepCompleted(this.run, step, this.traceparent),
      (error, attempt) =>
        this.logger.warn({ err: error, attempt, runId: this.run.runId }, 'could not publish a step'),
    );
    if (last)
      await retry(
        () => this.events.runCompleted(this.run, this.traceparent),
        (error, attempt) =>
          this.logger.warn({ err: error, attempt, runId: this.run.runId }, 'could not publish the run'),
      );
    await this.store.markPublished(this.run.runId, [step.index]);
  }

  private refreshSnapshot(now: number): void {
    const used = this.state.used;
    const startedAt = this.run.startedAt ? timestampMs(this.run.startedAt) : now;
    this.run.usage = create(RunUsageSchema, {
      ...used,
      wallTime: durationFromMs(Math.max(0, now - startedAt)),
    });
  }
}

/** Publishes steps of a run (in order), the completion when the run is finished, and marks them. */
export async function publishSteps(
  events: RunEvents,
  store: AgentStore,
  run: AgentRun,
  steps: readonly RunStep[],
  traceparent: string | undefined,
): Promise<void> {
  if (steps.length === 0) return;
  for (const step of steps) await events.stepCompleted(run, step, traceparent);
  if (isFinished(run.status)) await events.runCompleted(run, traceparent);
  await store.markPublished(
    run.runId,
    steps.map((s) => s.index),
  );
}

async function retry(
  work: () => Promise<void>,
  onFailure: (error: unknown, attempt: number) => void,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await work();
      return;
    } catch (error) {
      onFailure(error, attempt);
      if (attempt >= PUBLISH_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
    }
  }
}
