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

/** A database the stores run on: statements, transactions, close. Adapters: SQLite and PostgreSQL. */
export interface SqlDatabase {
  /** `sqlite` or `postgres`. */
  readonly dialect: 'sqlite' | 'postgres';
  /** Statements outside a transaction. */
  readonly db: SqlExecutor;
  /** Runs `body` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(body: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Raw SQL (several statements allowed), for migrations and tests. */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

/** Reads an integer column (PostgreSQL returns int8 as a string). */
export function intColumn(row: SqlRow, column: string): number {
  const value = row[column];
  const n = typeof value === 'bigint' ? Number(value) : typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n))
    throw new Error(`column ${column} is not an integer`);
  return n;
}

/** Reads a text column. */
export function textColumn(row: SqlRow, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw new Error(`column ${column} is not text`);
  return value;
}

/** Reads a nullable text column. */
export function optionalTextColumn(row: SqlRow, column: string): string | undefined {
  const value = row[column];
  return value === null || value === undefined ? undefined : textColumn(row, column);
}

/** Reads a bytes column; `undefined` for SQL NULL. */
export function bytesColumn(row: SqlRow, column: string): Uint8Array | undefined {
  const value = row[column];
  if (value === null || value === undefined) return undefined;
  if (!(value instanceof Uint8Array)) throw new Error(`column ${column} is not bytes`);
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

/** A PostgreSQL schema name, checked: `[a-z_][a-z0-9_]*`, at most 63 characters. */
export function sqlIdentifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name))
    throw new Error(`schema must match [a-z_][a-z0-9_]* (max 63 chars), got ${JSON.stringify(name)}`);
  return name;
}
