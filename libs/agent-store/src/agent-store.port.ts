import type { Agent, AgentRun, RunStatus, RunStep } from '@cairn/contracts/cairn/agent/v1/agent';

/** Outcome of {@link AgentStore.putAgent}. */
export interface PutAgentResult {
  /** The stored definition (version and times set). */
  readonly agent: Agent;
  /** The agent did not exist before. */
  readonly created: boolean;
  /** A new version was stored (false when the definition was the same as the current one). */
  readonly changed: boolean;
}

/** Outcome of {@link AgentStore.createRun}. */
export interface CreateRunResult {
  readonly run: AgentRun;
  /** False when a run with this id, or this tenant's idempotency key, already existed (it is returned). */
  readonly created: boolean;
}

/**
 * The right to execute a run: held by one runner until `expiresAt`, renewed while it works. Every
 * write of a run's progress names the lease; a lease taken over by another runner (higher `epoch`)
 * makes the old holder's writes fail with {@link LeaseLostError}.
 */
export interface RunLease {
  readonly runId: string;
  readonly owner: string;
  readonly epoch: number;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
}

/** A step as stored, with whether its AgentStepCompleted event was published. */
export interface StoredStep {
  readonly step: RunStep;
  readonly published: boolean;
}

/** Filters and page of {@link AgentStore.listRuns}; newest runs first. */
export interface RunQuery {
  readonly agent?: string;
  readonly status?: RunStatus;
  readonly sessionId?: string;
  /** 1–500; default 50. */
  readonly pageSize?: number;
  /** `nextPageToken` of the previous page. */
  readonly pageToken?: string;
}

export interface RunPage {
  readonly runs: AgentRun[];
  /** Empty on the last page. */
  readonly nextPageToken: string;
}

/** The remembered summary of a conversation session's older turns. */
export interface SessionMemory {
  readonly summary: string;
  /** `created_at` (ms) of the newest run the summary covers. */
  readonly summarizedThrough: number;
  /** When the session is forgotten (ms since the epoch). */
  readonly expiresAt: number;
}

/** A run the scheduler may pick up: pending and unclaimed for a while, or running on an expired lease. */
export interface ClaimableRun {
  readonly runId: string;
  readonly status: RunStatus;
}

/** Health of the store's database. */
export interface AgentStoreHealth {
  readonly ok: boolean;
  readonly backend: 'sqlite' | 'postgres';
  readonly detail?: string;
}

/**
 * Port: agent definitions, runs, their steps and session memory. The source of truth for which
 * runner executes a run (leases) and for a run's progress (steps appended under the lease), so a
 * run survives the runner that started it. Adapters: SQLite (embedded) and PostgreSQL (distributed),
 * one contract suite (`@cairn/agent-store/testing`).
 */
export interface AgentStore {
  /** Creates the tables; idempotent. */
  migrate(): Promise<void>;
  close(): Promise<void>;
  health(): Promise<AgentStoreHealth>;

  /**
   * Stores a definition as the agent's next version, unless it equals the current one. Throws
   * {@link AgentVersionConflictError} when `expectedVersion` is not 0 and not the current version.
   */
  putAgent(tenant: string, agent: Agent, expectedVersion: number, now: number): Promise<PutAgentResult>;
  /** The current definition, or the given version. */
  getAgent(tenant: string, name: string, version?: number): Promise<Agent | undefined>;

  /**
   * Records a new run (status PENDING). Idempotent: the same run id, or the same non-empty
   * idempotency key within the tenant, returns the existing run.
   */
  createRun(run: AgentRun, idempotencyKey: string): Promise<CreateRunResult>;
  getRun(tenant: string, runId: string): Promise<AgentRun | undefined>;
  /** The run whatever its tenant (the scheduler's view). */
  findRun(runId: string): Promise<AgentRun | undefined>;
  listRuns(tenant: string, query: RunQuery): Promise<RunPage>;
  /** Runs per status of a tenant. */
  countRuns(tenant: string): Promise<ReadonlyMap<RunStatus, number>>;

  /**
   * Takes the lease of a run that is not finished and not leased by another owner until later than
   * `now`: a PENDING run becomes RUNNING (with `started_at`). Re-claiming one's own live lease keeps
   * its epoch. Undefined when the run is finished, unknown, or leased by another owner.
   */
  claimRun(runId: string, owner: string, leaseMs: number, now: number): Promise<RunLease | undefined>;
  /** Extends a held lease; undefined when it was lost (taken over, or the run finished). */
  renewLease(lease: RunLease, leaseMs: number, now: number): Promise<RunLease | undefined>;
  /** Gives a lease up early so another runner may resume the run at once. */
  releaseLease(lease: RunLease): Promise<void>;
  /** Runs to pick up: PENDING created before `pendingBefore` and unleased or expired, RUNNING with an expired lease. */
  claimableRuns(now: number, pendingBefore: number, limit: number): Promise<ClaimableRun[]>;

  /**
   * Appends the next step (its index must be the run's step count) and stores the run snapshot in
   * the same transaction, under the lease. Throws {@link LeaseLostError} when the lease is no longer held.
   */
  appendStep(lease: RunLease, step: RunStep, run: AgentRun): Promise<void>;
  /** Stores the run snapshot under the lease (a finished status ends the lease). */
  updateRun(lease: RunLease, run: AgentRun): Promise<void>;
  /** The run's steps in order, from index `from` (default 0). */
  steps(runId: string, from?: number): Promise<StoredStep[]>;
  /** Marks steps whose event was published. */
  markPublished(runId: string, indexes: readonly number[]): Promise<void>;
  /** Finished runs that still have steps whose event was not published (the runner stopped in between). */
  finishedRunsWithUnpublishedSteps(limit: number): Promise<string[]>;
  /** Opaque JSON the runner prepared before the first step (memory, redacted input), for a resume. */
  preparedContext(runId: string): Promise<string | undefined>;
  setPreparedContext(lease: RunLease, json: string): Promise<void>;

  /**
   * Requests a cancel. A PENDING run ends CANCELLED at once (with `completed_at` and `error`); a
   * RUNNING one is flagged and ends after its current step. Undefined when the run is unknown.
   */
  requestCancel(tenant: string, runId: string, reason: string, now: number): Promise<AgentRun | undefined>;
  /** Whether a cancel was requested for the run. */
  cancelRequested(runId: string): Promise<boolean>;

  /** Succeeded runs of a session, newest first, created before `before` (ms). */
  sessionRuns(tenant: string, sessionId: string, before: number, limit: number): Promise<AgentRun[]>;
  getSessionMemory(tenant: string, sessionId: string): Promise<SessionMemory | undefined>;
  saveSessionMemory(tenant: string, sessionId: string, memory: SessionMemory): Promise<void>;
}

/** A store failure a caller can act on. */
export class AgentStoreError extends Error {
  override readonly name: string = 'AgentStoreError';
}

/** The database cannot be reached or dropped the connection: retry later. */
export class AgentStoreUnavailableError extends AgentStoreError {
  override readonly name = 'AgentStoreUnavailableError';
  /** Read by the event delivery: a handler failing with it waits for the store instead of using up attempts. */
  readonly code = 'UNAVAILABLE';
}

/** `PutAgent` with an `expected_version` that is not the current one. */
export class AgentVersionConflictError extends AgentStoreError {
  override readonly name = 'AgentVersionConflictError';
  constructor(
    readonly agent: string,
    readonly expectedVersion: number,
    readonly currentVersion: number,
  ) {
    super(`agent ${agent} is at version ${currentVersion}, not ${expectedVersion}: read it again and retry`);
  }
}

/** A write under a lease that another runner took over (or that ended). */
export class LeaseLostError extends AgentStoreError {
  override readonly name = 'LeaseLostError';
  constructor(readonly runId: string) {
    super(`the lease of run ${runId} is no longer held by this runner`);
  }
}
