import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { timestampFromMs, timestampMs } from '@bufbuild/protobuf/wkt';
import {
  AgentSchema,
  RunStatus,
  RunStepSchema,
  type Agent,
  type AgentRun,
  type RunStep,
} from '@cairn/contracts/cairn/agent/v1/agent';
import {
  bytesColumn,
  intColumn,
  optionalTextColumn,
  textColumn,
  type SqlDatabase,
  type SqlExecutor,
  type SqlValue,
} from '@cairn/sql';
import {
  type AgentStore,
  AgentStoreError,
  type AgentStoreHealth,
  AgentVersionConflictError,
  type ClaimableRun,
  type CreateRunResult,
  LeaseLostError,
  type PutAgentResult,
  type RunLease,
  type RunPage,
  type RunQuery,
  type SessionMemory,
  type StoredStep,
} from '../agent-store.port.js';
import type { AgentTables } from './agent-tables.js';
import {
  cancelledBeforeStart,
  decodeRunCursor,
  definitionOnly,
  encodeRun,
  encodeRunCursor,
  FINISHED_STATUSES,
  isFinished,
  leaseColumns,
  toAgent,
  toRun,
  UNFINISHED,
} from './run-rows.js';

const RUN_COLUMNS = 'run_id, status, cancel_requested, run, created_at';

/**
 * The agent store's logic on SQL, shared by the SQLite and PostgreSQL adapters. Writes that decide on
 * a row's current state (claims, cancels, version checks) read it in the same transaction, locked
 * with `lockClause` where the dialect needs it (PostgreSQL `FOR UPDATE`; SQLite transactions are
 * exclusive already).
 */
export class SqlAgentStore implements AgentStore {
  constructor(
    private readonly database: SqlDatabase,
    private readonly t: AgentTables,
    /** Creates the tables (PostgreSQL: under an advisory lock, as processes may start together). */
    private readonly createTables: () => Promise<void>,
    private readonly lockClause: string,
  ) {}

  private get db(): SqlExecutor {
    return this.database.db;
  }

  async migrate(): Promise<void> {
    await this.createTables();
  }

  /** Raw SQL on the store's database, for tests. */
  async exec(sql: string): Promise<void> {
    await this.database.exec(sql);
  }

  async close(): Promise<void> {
    await this.database.close();
  }

  async health(): Promise<AgentStoreHealth> {
    try {
      await this.db.rows('SELECT 1 AS ok');
      return { ok: true, backend: this.database.dialect };
    } catch (error) {
      return { ok: false, backend: this.database.dialect, detail: (error as Error).message };
    }
  }

  async putAgent(
    tenant: string,
    agent: Agent,
    expectedVersion: number,
    now: number,
  ): Promise<PutAgentResult> {
    requireText(tenant, 'tenant');
    requireText(agent.name, 'agent name');
    return this.database.transaction(async (tx) => {
      const [current] = await tx.rows(
        `SELECT version, definition, created_at FROM ${this.t.definitions}
         WHERE tenant = ? AND name = ? ORDER BY version DESC LIMIT 1${this.lockClause}`,
        [tenant, agent.name],
      );
      const currentVersion = current ? intColumn(current, 'version') : 0;
      if (expectedVersion !== 0 && expectedVersion !== currentVersion)
        throw new AgentVersionConflictError(agent.name, expectedVersion, currentVersion);
      const definition = definitionOnly(agent);
      const stored = current && bytesColumn(current, 'definition');
      if (current && stored && Buffer.from(stored).equals(Buffer.from(definition))) {
        const [row] = await tx.rows(
          `SELECT * FROM ${this.t.definitions} WHERE tenant = ? AND name = ? AND version = ?`,
          [tenant, agent.name, currentVersion],
        );
        if (!row) throw new AgentStoreError(`agent ${agent.name} vanished during PutAgent`);
        return { agent: toAgent(row, tenant), created: false, changed: false };
      }
      const createdAt = current ? intColumn(current, 'created_at') : now;
      await tx.run(
        `INSERT INTO ${this.t.definitions} (tenant, name, version, definition, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
        [tenant, agent.name, currentVersion + 1, definition, createdAt, now],
      );
      const stored2 = fromBinary(AgentSchema, definition);
      stored2.tenant = tenant;
      stored2.version = currentVersion + 1;
      stored2.createdAt = timestampFromMs(createdAt);
      stored2.updatedAt = timestampFromMs(now);
      return { agent: stored2, created: current === undefined, changed: true };
    });
  }

  async getAgent(tenant: string, name: string, version?: number): Promise<Agent | undefined> {
    const [row] =
      version === undefined || version === 0
        ? await this.db.rows(
            `SELECT * FROM ${this.t.definitions} WHERE tenant = ? AND name = ? ORDER BY version DESC LIMIT 1`,
            [tenant, name],
          )
        : await this.db.rows(
            `SELECT * FROM ${this.t.definitions} WHERE tenant = ? AND name = ? AND version = ?`,
            [tenant, name, version],
          );
    return row ? toAgent(row, tenant) : undefined;
  }

  async createRun(run: AgentRun, idempotencyKey: string): Promise<CreateRunResult> {
    requireText(run.runId, 'run id');
    requireText(run.tenant, 'tenant');
    const createdAt = msOf(run.createdAt) ?? Date.now();
    const inserted = await this.db.run(
      `INSERT INTO ${this.t.runs} (run_id, tenant, agent, status, session_id, idempotency_key, created_at, run)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      [
        run.runId,
        run.tenant,
        run.agent,
        RunStatus.PENDING,
        run.sessionId,
        idempotencyKey,
        createdAt,
        encodeRun(run),
      ],
    );
    if (inserted === 1) return { run: (await this.findRun(run.runId)) ?? run, created: true };
    const byId = await this.findRun(run.runId);
    if (byId) {
      if (byId.tenant !== run.tenant) throw new AgentStoreError(`run id ${run.runId} is taken`);
      return { run: byId, created: false };
    }
    const [row] = await this.db.rows(
      `SELECT ${RUN_COLUMNS} FROM ${this.t.runs} WHERE tenant = ? AND idempotency_key = ?`,
      [run.tenant, idempotencyKey],
    );
    if (!row) throw new AgentStoreError(`run ${run.runId} was neither created nor found`);
    return { run: toRun(row), created: false };
  }

  async getRun(tenant: string, runId: string): Promise<AgentRun | undefined> {
    const [row] = await this.db.rows(
      `SELECT ${RUN_COLUMNS} FROM ${this.t.runs} WHERE tenant = ? AND run_id = ?`,
      [tenant, runId],
    );
    return row ? toRun(row) : undefined;
  }

  async findRun(runId: string): Promise<AgentRun | undefined> {
    const [row] = await this.db.rows(`SELECT ${RUN_COLUMNS} FROM ${this.t.runs} WHERE run_id = ?`, [runId]);
    return row ? toRun(row) : undefined;
  }

  async listRuns(tenant: string, query: RunQuery): Promise<RunPage> {
    const pageSize = query.pageSize ?? 50;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 500)
      throw new AgentStoreError('page_size must be between 1 and 500');
    const where = ['tenant = ?'];
    const params: SqlValue[] = [tenant];
    const filters: [string, SqlValue | undefined][] = [
      ['agent = ?', query.agent || undefined],
      ['status = ?', query.status || undefined],
      ['session_id = ?', query.sessionId || undefined],
    ];
    for (const [clause, value] of filters) {
      if (value === undefined) continue;
      where.push(clause);
      params.push(value);
    }
    if (query.pageToken) {
      const cursor = decodeRunCursor(query.pageToken);
      where.push('(created_at < ? OR (created_at = ? AND run_id < ?))');
      params.push(cursor.createdAt, cursor.createdAt, cursor.runId);
    }
    const rows = await this.db.rows(
      `SELECT ${RUN_COLUMNS} FROM ${this.t.runs} WHERE ${where.join(' AND ')}
       ORDER BY created_at DESC, run_id DESC LIMIT ?`,
      [...params, pageSize + 1],
    );
    const page = rows.slice(0, pageSize);
    const last = page.at(-1);
    return {
      runs: page.map(toRun),
      nextPageToken:
        rows.length > pageSize && last
          ? encodeRunCursor(intColumn(last, 'created_at'), textColumn(last, 'run_id'))
          : '',
    };
  }

  async countRuns(tenant: string): Promise<ReadonlyMap<RunStatus, number>> {
    const rows = await this.db.rows(
      `SELECT status, COUNT(*) AS n FROM ${this.t.runs} WHERE tenant = ? GROUP BY status`,
      [tenant],
    );
    return new Map(rows.map((row) => [intColumn(row, 'status') as RunStatus, intColumn(row, 'n')]));
  }

  async claimRun(runId: string, owner: string, leaseMs: number, now: number): Promise<RunLease | undefined> {
    return this.database.transaction(async (tx) => {
      const [row] = await tx.rows(
        `SELECT ${RUN_COLUMNS}, lease_owner, lease_epoch, lease_expires_at FROM ${this.t.runs}
         WHERE run_id = ?${this.lockClause}`,
        [runId],
      );
      if (!row) return undefined;
      const run = toRun(row);
      if (isFinished(run.status)) return undefined;
      const lease = leaseColumns(row);
      const live = lease.expiresAt > now;
      if (live && lease.owner !== undefined && lease.owner !== owner) return undefined;
      const epoch = live && lease.owner === owner ? lease.epoch : lease.epoch + 1;
      if (run.status === RunStatus.PENDING) {
        run.status = RunStatus.RUNNING;
        run.startedAt = timestampFromMs(now);
      }
      await tx.run(
        `UPDATE ${this.t.runs} SET lease_owner = ?, lease_epoch = ?, lease_expires_at = ?, status = ?, run = ?
         WHERE run_id = ?`,
        [owner, epoch, now + leaseMs, run.status, encodeRun(run), runId],
      );
      return { runId, owner, epoch, expiresAt: now + leaseMs };
    });
  }

  async renewLease(lease: RunLease, leaseMs: number, now: number): Promise<RunLease | undefined> {
    const changed = await this.db.run(
      `UPDATE ${this.t.runs} SET lease_expires_at = ?
       WHERE run_id = ? AND lease_owner = ? AND lease_epoch = ? AND ${UNFINISHED}`,
      [now + leaseMs, lease.runId, lease.owner, lease.epoch],
    );
    return changed === 1 ? { ...lease, expiresAt: now + leaseMs } : undefined;
  }

  async releaseLease(lease: RunLease): Promise<void> {
    await this.db.run(
      `UPDATE ${this.t.runs} SET lease_expires_at = 0 WHERE run_id = ? AND lease_owner = ? AND lease_epoch = ?`,
      [lease.runId, lease.owner, lease.epoch],
    );
  }

  async claimableRuns(now: number, pendingBefore: number, limit: number): Promise<ClaimableRun[]> {
    const rows = await this.db.rows(
      `SELECT run_id, status FROM ${this.t.runs}
       WHERE (status = ? AND created_at < ?) OR (status = ? AND lease_expires_at <= ?)
       ORDER BY created_at LIMIT ?`,
      [RunStatus.PENDING, pendingBefore, RunStatus.RUNNING, now, limit],
    );
    return rows.map((row) => ({
      runId: textColumn(row, 'run_id'),
      status: intColumn(row, 'status'),
    }));
  }

  async appendStep(lease: RunLease, step: RunStep, run: AgentRun): Promise<void> {
    await this.database.transaction(async (tx) => {
      await this.writeSnapshot(tx, lease, run, step.index);
      await tx.run(`INSERT INTO ${this.t.steps} (run_id, idx, step, published) VALUES (?, ?, ?, 0)`, [
        lease.runId,
        step.index,
        toBinary(RunStepSchema, step),
      ]);
    });
  }

  async updateRun(lease: RunLease, run: AgentRun): Promise<void> {
    await this.database.transaction((tx) => this.writeSnapshot(tx, lease, run, undefined));
  }

  /** Stores the snapshot under the lease; with `stepIndex`, only if it is the next step (and counts it). */
  private async writeSnapshot(
    tx: SqlExecutor,
    lease: RunLease,
    run: AgentRun,
    stepIndex: number | undefined,
  ): Promise<void> {
    const finished = isFinished(run.status);
    const changed = await tx.run(
      `UPDATE ${this.t.runs} SET run = ?, status = ?${stepIndex === undefined ? '' : ', step_count = step_count + 1'}
         ${finished ? ', lease_owner = NULL, lease_expires_at = 0' : ''}
       WHERE run_id = ? AND lease_owner = ? AND lease_epoch = ? AND ${UNFINISHED}
         ${stepIndex === undefined ? '' : 'AND step_count = ?'}`,
      [
        encodeRun(run),
        run.status,
        lease.runId,
        lease.owner,
        lease.epoch,
        ...(stepIndex === undefined ? [] : [stepIndex]),
      ],
    );
    if (changed === 1) return;
    const [row] = await tx.rows(
      `SELECT status, lease_owner, lease_epoch, lease_expires_at, step_count FROM ${this.t.runs} WHERE run_id = ?`,
      [lease.runId],
    );
    if (!row) throw new AgentStoreError(`run ${lease.runId} does not exist`);
    const held = leaseColumns(row);
    if (held.owner !== lease.owner || held.epoch !== lease.epoch || isFinished(intColumn(row, 'status')))
      throw new LeaseLostError(lease.runId);
    throw new AgentStoreError(
      `step ${stepIndex} of run ${lease.runId} is not its next step (${intColumn(row, 'step_count')})`,
    );
  }

  async steps(runId: string, from = 0): Promise<StoredStep[]> {
    const rows = await this.db.rows(
      `SELECT step, published FROM ${this.t.steps} WHERE run_id = ? AND idx >= ? ORDER BY idx`,
      [runId, from],
    );
    return rows.map((row) => ({
      step: fromBinary(RunStepSchema, bytesColumn(row, 'step') ?? new Uint8Array()),
      published: intColumn(row, 'published') === 1,
    }));
  }

  async markPublished(runId: string, indexes: readonly number[]): Promise<void> {
    if (indexes.length === 0) return;
    await this.db.run(
      `UPDATE ${this.t.steps} SET published = 1 WHERE run_id = ? AND idx IN (${indexes.map(() => '?').join(', ')})`,
      [runId, ...indexes],
    );
  }

  async finishedRunsWithUnpublishedSteps(limit: number): Promise<string[]> {
    const rows = await this.db.rows(
      `SELECT DISTINCT s.run_id FROM ${this.t.steps} s JOIN ${this.t.runs} r ON r.run_id = s.run_id
       WHERE s.published = 0 AND r.status IN (${FINISHED_STATUSES.join(', ')}) LIMIT ?`,
      [limit],
    );
    return rows.map((row) => textColumn(row, 'run_id'));
  }

  async preparedContext(runId: string): Promise<string | undefined> {
    const [row] = await this.db.rows(`SELECT prepared FROM ${this.t.runs} WHERE run_id = ?`, [runId]);
    return row ? optionalTextColumn(row, 'prepared') : undefined;
  }

  async setPreparedContext(lease: RunLease, json: string): Promise<void> {
    const changed = await this.db.run(
      `UPDATE ${this.t.runs} SET prepared = ? WHERE run_id = ? AND lease_owner = ? AND lease_epoch = ? AND ${UNFINISHED}`,
      [json, lease.runId, lease.owner, lease.epoch],
    );
    if (changed !== 1) throw new LeaseLostError(lease.runId);
  }

  async requestCancel(
    tenant: string,
    runId: string,
    reason: string,
    now: number,
  ): Promise<AgentRun | undefined> {
    return this.database.transaction(async (tx) => {
      const [row] = await tx.rows(
        `SELECT ${RUN_COLUMNS} FROM ${this.t.runs} WHERE tenant = ? AND run_id = ?${this.lockClause}`,
        [tenant, runId],
      );
      if (!row) return undefined;
      const run = toRun(row);
      if (isFinished(run.status)) return run;
      if (run.status === RunStatus.PENDING) {
        const ended = cancelledBeforeStart(run, reason, now);
        await tx.run(
          `UPDATE ${this.t.runs} SET status = ?, run = ?, cancel_requested = 1, cancel_reason = ? WHERE run_id = ?`,
          [ended.status, encodeRun(ended), reason, runId],
        );
        return ended;
      }
      await tx.run(`UPDATE ${this.t.runs} SET cancel_requested = 1, cancel_reason = ? WHERE run_id = ?`, [
        reason,
        runId,
      ]);
      run.cancelRequested = true;
      return run;
    });
  }

  async cancelRequested(runId: string): Promise<boolean> {
    const [row] = await this.db.rows(`SELECT cancel_requested FROM ${this.t.runs} WHERE run_id = ?`, [runId]);
    return row !== undefined && intColumn(row, 'cancel_requested') === 1;
  }

  async sessionRuns(tenant: string, sessionId: string, before: number, limit: number): Promise<AgentRun[]> {
    const rows = await this.db.rows(
      `SELECT ${RUN_COLUMNS} FROM ${this.t.runs}
       WHERE tenant = ? AND session_id = ? AND status = ? AND created_at < ?
       ORDER BY created_at DESC, run_id DESC LIMIT ?`,
      [tenant, sessionId, RunStatus.SUCCEEDED, before, limit],
    );
    return rows.map(toRun);
  }

  async getSessionMemory(tenant: string, sessionId: string): Promise<SessionMemory | undefined> {
    const [row] = await this.db.rows(
      `SELECT summary, summarized_through, expires_at FROM ${this.t.sessions} WHERE tenant = ? AND session_id = ?`,
      [tenant, sessionId],
    );
    return row
      ? {
          summary: textColumn(row, 'summary'),
          summarizedThrough: intColumn(row, 'summarized_through'),
          expiresAt: intColumn(row, 'expires_at'),
        }
      : undefined;
  }

  async saveSessionMemory(tenant: string, sessionId: string, memory: SessionMemory): Promise<void> {
    await this.db.run(
      `INSERT INTO ${this.t.sessions} (tenant, session_id, summary, summarized_through, expires_at)
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (tenant, session_id) DO UPDATE SET summary = excluded.summary,
         summarized_through = excluded.summarized_through, expires_at = excluded.expires_at`,
      [tenant, sessionId, memory.summary, memory.summarizedThrough, memory.expiresAt],
    );
  }
}

function requireText(value: string, what: string): void {
  if (value === '') throw new AgentStoreError(`${what} must not be empty`);
}

function msOf(timestamp: AgentRun['createdAt']): number | undefined {
  return timestamp ? timestampMs(timestamp) : undefined;
}
