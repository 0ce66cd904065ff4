import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { clone, toBinary } from '@bufbuild/protobuf';
import { AuditRecordSchema, type AuditRecord } from '@cairn/contracts/cairn/audit/v1/audit';
import type { Checkpoint, Subject } from './audit-store.port.js';

/** `prev_hash` of a tenant's first record: 32 zero bytes. */
export const GENESIS_HASH: Uint8Array = new Uint8Array(32);

/** Signature algorithm of checkpoints. */
export const CHECKPOINT_ALGORITHM = 'ed25519';

/** Id of a tenant's record: `<tenant>/<sequence>`. */
export function recordId(tenant: string, sequence: number | bigint): string {
  return `${tenant}/${sequence}`;
}

/** SHA-256 of a payload as recorded. */
export function payloadDigest(payload: Uint8Array): Uint8Array {
  return sha256(payload);
}

/** Subjects sorted by kind, then id, without duplicates (the order the chain commits to). */
export function sortSubjects(subjects: readonly Subject[]): Subject[] {
  const unique = new Map(subjects.map((s) => [`${s.kind}\u0000${s.id}`, { kind: s.kind, id: s.id }]));
  return [...unique.values()].sort((a, b) => compare(a.kind, b.kind) || compare(a.id, b.id));
}

/**
 * A record's hash, as `AuditRecord` defines it: SHA-256 of its protobuf binary encoding with
 * `hash`, `payload` and `payload_erased` cleared and `subjects` sorted by kind, then id.
 */
export function recordHash(record: AuditRecord): Uint8Array {
  const canonical = clone(AuditRecordSchema, record);
  canonical.hash = new Uint8Array(0);
  canonical.payload = new Uint8Array(0);
  canonical.payloadErased = false;
  canonical.subjects.sort((a, b) => compare(a.kind, b.kind) || compare(a.id, b.id));
  return sha256(toBinary(AuditRecordSchema, canonical));
}

/** The bytes a checkpoint signs: `cairn-audit-checkpoint:v1:<tenant>:<sequence>:<hex hash>` (UTF-8). */
export function checkpointMessage(tenant: string, sequence: number | bigint, hash: Uint8Array): Uint8Array {
  return new TextEncoder().encode(
    `cairn-audit-checkpoint:v1:${tenant}:${sequence}:${Buffer.from(hash).toString('hex')}`,
  );
}

/** Signs the head (`sequence`, `hash`) of a tenant's chain with an Ed25519 key. */
export function signCheckpoint(
  privateKey: KeyObject,
  keyId: string,
  tenant: string,
  sequence: number,
  hash: Uint8Array,
): Checkpoint {
  return {
    tenant,
    sequence,
    hash,
    recordId: recordId(tenant, sequence),
    algorithm: CHECKPOINT_ALGORITHM,
    keyId,
    signature: new Uint8Array(sign(null, checkpointMessage(tenant, sequence, hash), privateKey)),
    signedAt: new Date(),
  };
}

/** True when the checkpoint's signature verifies with `publicKey`. */
export function checkpointSignatureValid(publicKey: KeyObject, checkpoint: Checkpoint): boolean {
  const message = checkpointMessage(checkpoint.tenant, checkpoint.sequence, checkpoint.hash);
  return verify(null, message, publicKey, checkpoint.signature);
}

/** Byte-wise equality. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
