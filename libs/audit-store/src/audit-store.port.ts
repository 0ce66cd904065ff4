import type { AuditRecord } from '@cairn/contracts/cairn/audit/v1/audit';

/** An entity a record is about (`document`, `run`, `request`, …) and its id. */
export interface Subject {
  readonly kind: string;
  readonly id: string;
}

/** One event to append to its tenant's trail. */
export interface AuditEntry {
  readonly tenant: string;
  /** Id of the event; a second append with the same (tenant, event id) appends nothing. */
  readonly eventId: string;
  /** Full name of the payload's message type. */
  readonly eventType: string;
  readonly topic: string;
  readonly principal: string;
  readonly subjects: readonly Subject[];
  /** When the event happened (kept to the millisecond). */
  readonly occurredAt: Date;
  /** 32 hex digits, or '' when not traced. */
  readonly traceId: string;
  readonly requestId: string;
  /** The event, protobuf binary of `eventType`; kept apart from the record so it can be erased. */
  readonly payload: Uint8Array;
}

/** What `append` did. */
export interface AppendResult {
  /** The record of the event: the new one, or the one an earlier delivery appended. */
  readonly record: AuditRecord;
  /** False when the event was already recorded (a redelivery). */
  readonly appended: boolean;
}

/** Which records to read. Every condition is optional; set ones must all hold. */
export interface AuditQuery {
  /** Only these event types; empty = all. */
  readonly eventTypes?: readonly string[];
  readonly principal?: string;
  readonly subject?: Subject;
  /** Events that happened at or after this time. */
  readonly startTime?: Date;
  /** Events that happened before this time. */
  readonly endTime?: Date;
  readonly traceId?: string;
  readonly requestId?: string;
  /** Lowest sequence (inclusive). */
  readonly fromSequence?: number;
  /** Highest sequence (inclusive). */
  readonly toSequence?: number;
}

/** One page of a query, in sequence order. */
export interface AuditPageRequest {
  /** 1..MAX_AUDIT_PAGE. */
  readonly limit: number;
  /** Cursor: the sequence the previous page ended with (exclusive). */
  readonly after?: number;
  /** Newest first. */
  readonly descending?: boolean;
  /** Attach each record's payload (empty when erased). */
  readonly includePayload?: boolean;
}

/** Records of one page; `more` when a next page exists. */
export interface AuditPage {
  readonly records: AuditRecord[];
  readonly more: boolean;
}

/** Where a tenant's trail ends, and its latest signed checkpoint. */
export interface TenantHead {
  readonly tenant: string;
  /** Sequence of the last record appended. */
  readonly sequence: number;
  /** Its hash. */
  readonly hash: Uint8Array;
  /** Sequence of the latest checkpoint; 0 = none. */
  readonly checkpointSequence: number;
}

/** A signed statement that a tenant's chain had `hash` at `sequence`. */
export interface Checkpoint {
  readonly tenant: string;
  readonly sequence: number;
  readonly hash: Uint8Array;
  readonly recordId: string;
  /** `ed25519`. */
  readonly algorithm: string;
  readonly keyId: string;
  readonly signature: Uint8Array;
  readonly signedAt: Date;
}

/** Which records `erasePayloads` erases. */
export interface ErasureScope {
  /** Records about any of these subjects; absent = every record of the tenant. */
  readonly subjects?: readonly Subject[];
  /** Only records up to this sequence (inclusive); absent = all. */
  readonly upToSequence?: number;
}

/** Health of the store backend. */
export interface AuditStoreHealth {
  readonly ok: boolean;
  readonly backend: 'sqlite' | 'postgres';
  readonly detail?: string;
}

/**
 * The append-only audit trail: one hash chain per tenant (see `recordHash`), payloads held apart
 * so they can be erased, signed checkpoints. Appends are idempotent by event id and give each
 * tenant gapless sequences 1, 2, 3, … also under concurrent appends.
 */
export interface AuditStore {
  /** Creates tables if missing (idempotent). */
  migrate(): Promise<void>;
  append(entry: AuditEntry): Promise<AppendResult>;
  /**
   * Appends several entries (any tenants) in one transaction, in their order within each tenant;
   * results in the order of `entries`. An event id seen before, or earlier in the batch, appends nothing.
   */
  appendBatch(entries: readonly AuditEntry[]): Promise<AppendResult[]>;
  query(tenant: string, query: AuditQuery, page: AuditPageRequest): Promise<AuditPage>;
  /** The tenant's head; undefined for a tenant with no record. */
  head(tenant: string): Promise<TenantHead | undefined>;
  /** Every tenant's head. */
  heads(): Promise<TenantHead[]>;
  /** Erases the payloads in scope; returns how many were erased now (already erased ones not counted). */
  erasePayloads(tenant: string, scope: ErasureScope): Promise<number>;
  /** Stores a checkpoint; storing the same one again changes nothing. */
  addCheckpoint(checkpoint: Checkpoint): Promise<void>;
  /** The tenant's checkpoints with a sequence in [from, to], in order. */
  checkpoints(tenant: string, fromSequence: number, toSequence: number): Promise<Checkpoint[]>;
  health(): Promise<AuditStoreHealth>;
  close(): Promise<void>;
}

/** Invalid arguments (INVALID_ARGUMENT) or an unreachable backend (UNAVAILABLE). */
export class AuditStoreError extends Error {
  constructor(
    message: string,
    readonly code: 'INVALID_ARGUMENT' | 'UNAVAILABLE' = 'INVALID_ARGUMENT',
  ) {
    super(message);
    this.name = 'AuditStoreError';
  }
}

/** Largest page `query` serves. */
export const MAX_AUDIT_PAGE = 1000;
