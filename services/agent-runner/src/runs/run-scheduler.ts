import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type AgentStore, type RunLease } from '@cairn/agent-store';
import type { Logger } from '@cairn/observability';
import { LOGGER, PLATFORM_CONFIG } from '@cairn/platform';
import type { AgentRunnerConfig } from '../agent-runner.config.js';
import { AGENT_STORE } from '../store/agent-store.provider.js';
import { RunEngine } from './run-engine.js';
import { RunInterrupted } from './run-interrupt.js';
import { publishSteps } from './step-recorder.js';

interface ActiveRun {
  readonly controller: AbortController;
  readonly done: Promise<void>;
}

/** How long shutdown waits for runs to reach a step boundary before the process goes on stopping. */
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * Decides which runs this runner executes: runs it is handed (StartRun, Run, the Kafka intake), and
 * every sweep, runs nobody claimed in time or whose runner stopped renewing its lease (a crashed or
 * stopped process). A run is executed under a lease renewed every third of its length; a lost lease
 * stops the local work at once. At most `agent.maxConcurrentRuns` runs execute at a time.
 */
@Injectable()
export class RunScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  /** This runner's identity in leases. */
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly active = new Map<string, ActiveRun>();
  private readonly failures = new Map<string, { count: number; at: number }>();
  private readonly waiting: Array<() => void> = [];
  private slots: number;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping = false;
  private stopping = false;

  constructor(
    @Inject(AGENT_STORE) private readonly store: AgentStore,
    @Inject(PLATFORM_CONFIG) private readonly config: AgentRunnerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly engine: RunEngine,
  ) {
    this.slots = config.agent.maxConcurrentRuns;
  }

  onApplicationBootstrap(): void {
    this.sweepTimer = setInterval(() => void this.sweep(), this.config.agent.sweepIntervalMs);
    this.sweepTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.sweepTimer);
    for (const release of this.waiting.splice(0)) release();
    for (const run of this.active.values())
      run.controller.abort(new RunInterrupted('shutdown', 'the runner is stopping'));
    const all = Promise.allSettled([...this.active.values()].map((run) => run.done));
    await Promise.race([all, new Promise((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref())]);
  }

  /** Executes the run here if it can be claimed; resolves when this runner is done with it. */
  submit(runId: string, traceparent?: string): Promise<void> {
    const existing = this.active.get(runId);
    if (existing) return existing.done;
    const controller = new AbortController();
    const done = this.execute(runId, controller, traceparent).finally(() => this.active.delete(runId));
    this.active.set(runId, { controller, done });
    return done;
  }

  /** Stops the run's local execution for a cancel (the engine records it); false when it is not running here. */
  cancelLocal(runId: string, reason: string): boolean {
    const run = this.active.get(runId);
    if (!run) return false;
    run.controller.abort(new RunInterrupted('cancel', reason || 'cancelled by a caller'));
    return true;
  }

  /** Whether this runner is executing the run now. */
  isActive(runId: string): boolean {
    return this.active.has(runId);
  }

  private async execute(runId: string, controller: AbortController, traceparent?: string): Promise<void> {
    await this.acquireSlot();
    let lease: RunLease | undefined;
    let renewal: NodeJS.Timeout | undefined;
    try {
      if (this.stopping) return;
      const leaseMs = this.config.agent.leaseSeconds * 1000;
      lease = await this.store.claimRun(runId, this.owner, leaseMs, Date.now());
      if (!lease) return;
      const held = lease;
      renewal = setInterval(
        () => {
          void this.renew(held, leaseMs, controller).then((renewed) => {
            if (renewed) lease = renewed;
          });
        },
        Math.max(100, Math.floor(leaseMs / 3)),
      );
      await this.engine.execute(runId, {
        lease: held,
        signal: controller.signal,
        ...(traceparent ? { traceparent } : {}),
      });
      this.failures.delete(runId);
    } catch (error) {
      const failed = this.failures.get(runId);
      this.failures.set(runId, { count: (failed?.count ?? 0) + 1, at: Date.now() });
      this.logger.error({ err: error, runId }, 'run execution failed; it will be resumed');
    } finally {
      clearInterval(renewal);
      if (lease)
        await this.store.releaseLease(lease).catch((error: unknown) => {
          this.logger.warn({ err: error, runId }, 'could not release the lease; it will expire');
        });
      this.releaseSlot();
    }
  }

  private async renew(
    lease: RunLease,
    leaseMs: number,
    controller: AbortController,
  ): Promise<RunLease | undefined> {
    try {
      const renewed = await this.store.renewLease(lease, leaseMs, Date.now());
      if (!renewed) controller.abort(new RunInterrupted('lease-lost', 'another runner took the run over'));
      return renewed;
    } catch (error) {
      this.logger.warn({ err: error, runId: lease.runId }, 'could not renew a lease');
      if (Date.now() >= lease.expiresAt)
        controller.abort(new RunInterrupted('lease-lost', 'the lease expired'));
      return undefined;
    }
  }

  /** Picks up orphaned runs and publishes what stopped runners left unpublished. */
  private async sweep(): Promise<void> {
    if (this.sweeping || this.stopping) return;
    this.sweeping = true;
    try {
      const now = Date.now();
      const free = this.slots;
      if (free > 0) {
        const runs = await this.store.claimableRuns(now, now - this.config.agent.pendingGraceMs, free);
        for (const { runId } of runs)
          if (!this.active.has(runId) && !this.backingOff(runId, now)) void this.submit(runId);
      }
      for (const runId of await this.store.finishedRunsWithUnpublishedSteps(20)) {
        const run = await this.store.findRun(runId);
        if (!run) continue;
        const steps = (await this.store.steps(runId)).filter((s) => !s.published).map((s) => s.step);
        await publishSteps(this.engine.runEvents, this.store, run, steps, undefined);
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'run sweep failed');
    } finally {
      this.sweeping = false;
    }
  }

  /** A run that failed here waits 2^failures seconds (at most a minute) before this runner tries it again. */
  private backingOff(runId: string, now: number): boolean {
    const failed = this.failures.get(runId);
    return failed !== undefined && now - failed.at < Math.min(60_000, 1000 * 2 ** failed.count);
  }

  private acquireSlot(): Promise<void> {
    if (this.slots > 0) {
      this.slots--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(() => resolve()));
  }

  private releaseSlot(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.slots++;
  }
}
