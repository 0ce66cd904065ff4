import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { AuditRecordSchema, type AuditRecord } from '@cairn/contracts/cairn/audit/v1/audit';
import { recordId } from '../audit-chain.js';
import type { Checkpoint, Subject } from '../audit-store.port.js';
import { bytesColumn, intColumn, textColumn, type SqlRow } from './sql-executor.js';

/** Columns of the records table, in insert order. */
export const RECORD_COLUMNS = [
  'tenant',
  'sequence',
  'event_id',
  'event_type',
  'topic',
  'principal',
  'occurred_at',
  'recorded_at',
  'trace_id',
  'request_id',
  'subjects',
  'payload_digest',
  'prev_hash',
  'hash',
] as const;

/** Subjects as stored: a JSON array of `[kind, id]` pairs, in the chain's order. */
export function encodeSubjects(subjects: readonly Subject[]): string {
  return JSON.stringify(subjects.map((s) => [s.kind, s.id]));
}

function decodeSubjects(json: string): Subject[] {
  const value: unknown = JSON.parse(json);
  if (!Array.isArray(value)) throw new Error('audit row: subjects is not an array');
  return value.map((pair: unknown) => {
    if (!Array.isArray(pair) || typeof pair[0] !== 'string' || typeof pair[1] !== 'string')
      throw new Error('audit row: a subject is not a [kind, id] pair');
    return { kind: pair[0], id: pair[1] };
  });
}

/** Maps a records row (joined with its payload when `payload` is selected). */
export function toAuditRecord(row: SqlRow, includePayload: boolean): AuditRecord {
  const tenant = textColumn(row, 'tenant');
  const sequence = intColumn(row, 'sequence');
  return create(AuditRecordSchema, {
    id: recordId(tenant, sequence),
    tenant,
    sequence: BigInt(sequence),
    principal: textColumn(row, 'principal'),
    eventType: textColumn(row, 'event_type'),
    topic: textColumn(row, 'topic'),
    subjects: decodeSubjects(textColumn(row, 'subjects')),
    occurredAt: timestampFromMs(intColumn(row, 'occurred_at')),
    recordedAt: timestampFromMs(intColumn(row, 'recorded_at')),
    traceId: textColumn(row, 'trace_id'),
    requestId: textColumn(row, 'request_id'),
    eventId: textColumn(row, 'event_id'),
    payloadDigest: bytesColumn(row, 'payload_digest') ?? new Uint8Array(0),
    prevHash: bytesColumn(row, 'prev_hash') ?? new Uint8Array(0),
    hash: bytesColumn(row, 'hash') ?? new Uint8Array(0),
    payload: (includePayload ? bytesColumn(row, 'payload') : undefined) ?? new Uint8Array(0),
    payloadErased: intColumn(row, 'payload_erased') === 1,
  });
}

/** Maps a checkpoints row. */
export function toCheckpoint(row: SqlRow): Checkpoint {
  return {
    tenant: textColumn(row, 'tenant'),
    sequence: intColumn(row, 'sequence'),
    hash: bytesColumn(row, 'hash') ?? new Uint8Array(0),
    recordId: textColumn(row, 'record_id'),
    algorithm: textColumn(row, 'algorithm'),
    keyId: textColumn(row, 'key_id'),
    signature: bytesColumn(row, 'signature') ?? new Uint8Array(0),
    signedAt: new Date(intColumn(row, 'signed_at')),
  };
}
