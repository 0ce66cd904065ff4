import { clone, create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import {
  AgentRunSchema,
  AgentSchema,
  RunStatus,
  type Agent,
  type AgentRun,
} from '@cairn/contracts/cairn/agent/v1/agent';
import { ErrorDetailSchema } from '@cairn/contracts/cairn/common/v1/common';
import { bytesColumn, intColumn, type SqlRow } from '@cairn/sql';
import { AgentStoreError } from '../agent-store.port.js';

/** Statuses a run never leaves. */
export const FINISHED_STATUSES: readonly RunStatus[] = [
  RunStatus.SUCCEEDED,
  RunStatus.FAILED,
  RunStatus.CANCELLED,
  RunStatus.BUDGET_EXCEEDED,
];

export function isFinished(status: RunStatus): boolean {
  return FINISHED_STATUSES.includes(status);
}

/** `status NOT IN (…)` of unfinished runs, for statements. */
export const UNFINISHED = `status NOT IN (${FINISHED_STATUSES.join(', ')})`;

/** A run row as the port returns it: the stored snapshot, with the authoritative status and cancel flag. */
export function toRun(row: SqlRow): AgentRun {
  const bytes = bytesColumn(row, 'run');
  if (!bytes) throw new AgentStoreError(`run row ${String(row['run_id'])} has no snapshot`);
  const run = fromBinary(AgentRunSchema, bytes);
  run.status = intColumn(row, 'status');
  run.cancelRequested = intColumn(row, 'cancel_requested') === 1;
  return run;
}

export function encodeRun(run: AgentRun): Uint8Array {
  return toBinary(AgentRunSchema, run);
}

/** A definition with its output-only fields cleared, to compare two versions. */
export function definitionOnly(agent: Agent): Uint8Array {
  const copy = clone(AgentSchema, agent);
  copy.tenant = '';
  copy.version = 0;
  copy.createdAt = undefined;
  copy.updatedAt = undefined;
  return toBinary(AgentSchema, copy);
}

export function toAgent(row: SqlRow, tenant: string): Agent {
  const bytes = bytesColumn(row, 'definition');
  if (!bytes) throw new AgentStoreError('agent row has no definition');
  const agent = fromBinary(AgentSchema, bytes);
  agent.tenant = tenant;
  agent.version = intColumn(row, 'version');
  agent.createdAt = timestampFromMs(intColumn(row, 'created_at'));
  agent.updatedAt = timestampFromMs(intColumn(row, 'updated_at'));
  return agent;
}

/** Keyset page token of the run list: newest first by (created_at, run_id). */
export function encodeRunCursor(createdAt: number, runId: string): string {
  return Buffer.from(`r1:${createdAt}:${runId}`, 'utf8').toString('base64url');
}

export function decodeRunCursor(token: string): { createdAt: number; runId: string } {
  const match = /^r1:(\d{1,15}):(.{1,200})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match?.[1] || !match[2]) throw new AgentStoreError('page_token is not a token this service issued');
  return { createdAt: Number(match[1]), runId: match[2] };
}

/** The error a cancel of a pending run ends it with. */
export function cancelledBeforeStart(run: AgentRun, reason: string, now: number): AgentRun {
  const ended = clone(AgentRunSchema, run);
  ended.status = RunStatus.CANCELLED;
  ended.completedAt = timestampFromMs(now);
  ended.cancelRequested = true;
  ended.error = create(ErrorDetailSchema, {
    reason: 'CANCELLED',
    message: reason || 'cancelled before it started',
  });
  return ended;
}

export function leaseColumns(row: SqlRow): { owner: string | undefined; epoch: number; expiresAt: number } {
  const owner = row['lease_owner'];
  return {
    owner: typeof owner === 'string' ? owner : undefined,
    epoch: intColumn(row, 'lease_epoch'),
    expiresAt: intColumn(row, 'lease_expires_at'),
  };
}
