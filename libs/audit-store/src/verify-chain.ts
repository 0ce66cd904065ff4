import type { AuditRecord } from '@cairn/contracts/cairn/audit/v1/audit';
import { GENESIS_HASH, payloadDigest, recordHash, recordId, sameBytes } from './audit-chain.js';
import { type AuditStore, AuditStoreError, type Checkpoint } from './audit-store.port.js';

/** Why a chain failed verification (the names of `cairn.audit.v1.VerifyFailure`). */
export type ChainFailure =
  'HASH_MISMATCH' | 'PREV_HASH_MISMATCH' | 'SEQUENCE_GAP' | 'PAYLOAD_DIGEST_MISMATCH' | 'CHECKPOINT_MISMATCH';

/** The first record that failed. */
export interface ChainBreak {
  readonly sequence: number;
  readonly recordId: string;
  readonly reason: ChainFailure;
  readonly detail: string;
}

/** Outcome of `verifyChain`. */
export interface ChainVerification {
  readonly ok: boolean;
  /** Records checked (up to the first break). */
  readonly checked: number;
  readonly broken?: ChainBreak;
  /** Sequence and hash of the last record checked (0 and empty when none). */
  readonly lastSequence: number;
  readonly lastHash: Uint8Array;
  /** Latest checkpoint in the range that matched; 0 = none. */
  readonly checkpointSequence: number;
}

/** Checks a checkpoint's signature: undefined when valid, else why not. */
export type CheckpointSignatureCheck = (checkpoint: Checkpoint) => string | undefined;

/** Range of `verifyChain`: sequences `from`..`to` (inclusive); absent = the whole trail. */
export interface VerifyRange {
  readonly from?: number;
  readonly to?: number;
}

const BATCH = 500;

/**
 * Recomputes a tenant's chain over a range: every sequence present once, each record's hash,
 * its link to the previous record, its payload against the digest (unless erased), and the signed
 * checkpoints in the range (hash and signature). Stops at the first break and names it.
 */
export async function verifyChain(
  store: AuditStore,
  tenant: string,
  range: VerifyRange,
  checkSignature: CheckpointSignatureCheck,
): Promise<ChainVerification> {
  const from = range.from ?? 1;
  if (!Number.isSafeInteger(from) || from < 1) throw new AuditStoreError('from must be at least 1');
  if (range.to !== undefined && range.to < from)
    throw new AuditStoreError(`to (${range.to}) is before from (${from})`);
  const head = await store.head(tenant);
  // Up to the head: a range past it asks about records not appended yet.
  const to = Math.min(range.to ?? Number.MAX_SAFE_INTEGER, head?.sequence ?? 0);
  let prevHash: Uint8Array | undefined = from === 1 ? GENESIS_HASH : await hashAt(store, tenant, from - 1);
  // Checkpoints past the head too: a trail cut short after a checkpoint must not verify.
  const checkpoints = new Map(
    (await store.checkpoints(tenant, from, range.to ?? Number.MAX_SAFE_INTEGER)).map((c) => [c.sequence, c]),
  );
  let expected = from;
  let checked = 0;
  let lastHash: Uint8Array = new Uint8Array(0);
  let checkpointSequence = 0;
  const result = (broken?: ChainBreak): ChainVerification => ({
    ok: broken === undefined,
    checked,
    ...(broken ? { broken } : {}),
    lastSequence: expected - 1,
    lastHash,
    checkpointSequence,
  });
  const fail = (sequence: number, reason: ChainFailure, detail: string) =>
    result({ sequence, recordId: recordId(tenant, sequence), reason, detail });

  let after: number | undefined;
  for (;;) {
    const page = await store.query(
      tenant,
      { fromSequence: from, toSequence: to },
      { limit: BATCH, includePayload: true, ...(after === undefined ? {} : { after }) },
    );
    for (const record of page.records) {
      const sequence = Number(record.sequence);
      if (sequence !== expected)
        return fail(
          expected,
          'SEQUENCE_GAP',
          `record ${expected} is missing (the next stored is ${sequence})`,
        );
      const failure = checkRecord(record, prevHash, checkpoints.get(sequence), checkSignature);
      if (failure !== undefined) return fail(sequence, failure.reason, failure.detail);
      if (checkpoints.has(sequence)) checkpointSequence = sequence;
      checkpoints.delete(sequence);
      prevHash = record.hash;
      lastHash = record.hash;
      checked++;
      expected++;
    }
    if (!page.more) break;
    after = expected - 1;
  }
  if (expected <= to)
    return fail(expected, 'SEQUENCE_GAP', `record ${expected} is missing (the trail's head is ${to})`);
  const beyond = [...checkpoints.values()].find((c) => c.sequence >= expected);
  if (beyond !== undefined)
    return fail(
      beyond.sequence,
      'CHECKPOINT_MISMATCH',
      `a checkpoint signed record ${beyond.sequence}, which is missing (the trail ends at ${expected - 1})`,
    );
  return result();
}

function checkRecord(
  record: AuditRecord,
  prevHash: Uint8Array | undefined,
  checkpoint: Checkpoint | undefined,
  checkSignature: CheckpointSignatureCheck,
): { reason: ChainFailure; detail: string } | undefined {
  if (!sameBytes(recordHash(record), record.hash))
    return { reason: 'HASH_MISMATCH', detail: `record ${record.id} does not match its hash` };
  if (prevHash !== undefined && !sameBytes(record.prevHash, prevHash))
    return {
      reason: 'PREV_HASH_MISMATCH',
      detail: `record ${record.id} does not link to the previous record's hash`,
    };
  if (!record.payloadErased && !sameBytes(payloadDigest(record.payload), record.payloadDigest))
    return {
      reason: 'PAYLOAD_DIGEST_MISMATCH',
      detail: `the payload of record ${record.id} is missing or does not match its digest`,
    };
  if (checkpoint !== undefined) {
    if (!sameBytes(checkpoint.hash, record.hash))
      return {
        reason: 'CHECKPOINT_MISMATCH',
        detail: `the checkpoint at ${record.id} signed another hash`,
      };
    const invalid = checkSignature(checkpoint);
    if (invalid !== undefined)
      return { reason: 'CHECKPOINT_MISMATCH', detail: `the checkpoint at ${record.id}: ${invalid}` };
  }
  return undefined;
}

async function hashAt(store: AuditStore, tenant: string, sequence: number): Promise<Uint8Array | undefined> {
  const { records } = await store.query(
    tenant,
    { fromSequence: sequence, toSequence: sequence },
    { limit: 1 },
  );
  return records[0]?.hash;
}
