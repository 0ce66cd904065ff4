export * from './audit-store.port.js';
export {
  CHECKPOINT_ALGORITHM,
  checkpointMessage,
  checkpointSignatureValid,
  GENESIS_HASH,
  payloadDigest,
  recordHash,
  recordId,
  sameBytes,
  signCheckpoint,
  sortSubjects,
} from './audit-chain.js';
export {
  verifyChain,
  type ChainBreak,
  type ChainFailure,
  type ChainVerification,
  type CheckpointSignatureCheck,
  type VerifyRange,
} from './verify-chain.js';
export { createAuditStore, type AuditStoreOptions } from './create-audit-store.js';
export { SqliteAuditStore, type SqliteAuditStoreOptions } from './sqlite/sqlite.audit-store.js';
export { PostgresAuditStore, type PostgresAuditStoreOptions } from './postgres/postgres.audit-store.js';
