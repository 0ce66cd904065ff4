export {
  bytesColumn,
  intColumn,
  textColumn,
  type SqlExecutor,
  type SqlParam,
  type SqlRow,
  type SqlValue,
} from '@cairn/sql';

/** Names of the store's tables, qualified as the dialect needs. */
export interface AuditTables {
  /** One row per record: everything the chain commits to. */
  readonly records: string;
  /** (kind, id) → sequence index for subject queries and erasure. */
  readonly subjects: string;
  /** Payloads, held apart so they can be erased. */
  readonly payloads: string;
  /** Per-tenant head: the last sequence and hash, locked by appends. */
  readonly heads: string;
  readonly checkpoints: string;
}
