/** A value bound to a statement parameter. */
export type SqlValue = string | number | Uint8Array | null;

/** A statement parameter: a value, or (PostgreSQL only) an array of values. */
export type SqlParam = SqlValue | readonly SqlValue[];

/** A row as the driver returns it (PostgreSQL: int8 as string, bytea as Buffer; SQLite: BLOB as Uint8Array). */
export type SqlRow = Record<string, unknown>;

/** Runs statements written with `?` placeholders, on a connection or inside a transaction. */
export interface SqlExecutor {
  rows(sql: string, params?: readonly SqlParam[]): Promise<SqlRow[]>;
  /** Returns the number of rows changed. */
  run(sql: string, params?: readonly SqlParam[]): Promise<number>;
}

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

/** Reads an integer column (PostgreSQL returns int8 as a string). */
export function intColumn(row: SqlRow, column: string): number {
  const value = row[column];
  const n = typeof value === 'bigint' ? Number(value) : typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n))
    throw new Error(`audit row: column ${column} is not an integer`);
  return n;
}

/** Reads a text column. */
export function textColumn(row: SqlRow, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw new Error(`audit row: column ${column} is not text`);
  return value;
}

/** Reads a bytes column; `undefined` for SQL NULL. */
export function bytesColumn(row: SqlRow, column: string): Uint8Array | undefined {
  const value = row[column];
  if (value === null || value === undefined) return undefined;
  if (!(value instanceof Uint8Array)) throw new Error(`audit row: column ${column} is not bytes`);
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}
