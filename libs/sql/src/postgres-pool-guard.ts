import type pg from 'pg';

/** SQLSTATEs of a server that went away or is not taking connections yet (class 08, shutdown, startup). */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
/** Socket errors of a server that cannot be reached. */
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

/**
 * True when a `pg` failure says the server could not be reached or dropped the connection
 * (restart, failover, shutdown), as opposed to a statement it refused.
 */
export function isPostgresUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (code.startsWith('08') || UNAVAILABLE_SQLSTATES.has(code))) return true;
  if (typeof code === 'string' && UNAVAILABLE_ERRNOS.has(code)) return true;
  return /Connection terminated|connection error and is not queryable|timeout exceeded when trying to connect/i.test(
    error.message,
  );
}

type AnyFn = (...args: unknown[]) => unknown;

/**
 * Makes a pool survive a server restart and report it as the adapter's UNAVAILABLE error:
 * a connection that dies (idle in the pool or checked out) no longer crashes the process with an
 * unhandled `error` event — pg discards the client and the next query connects again — and
 * queries that fail because the server is unreachable reject with `unavailable(error)`.
 */
export function guardPostgresPool(pool: pg.Pool, unavailable: (error: Error) => Error): void {
  // Reported to whoever runs a query on the client next; a pool client that errored is discarded.
  const ignore = (): void => undefined;
  pool.on('error', ignore);
  pool.on('connect', (client) => client.on('error', ignore));
  const map = (error: unknown): never => {
    throw isPostgresUnavailable(error) ? unavailable(error as Error) : error;
  };
  const guarded = new WeakSet<object>();
  const guardQuery = (target: { query: unknown }): void => {
    if (guarded.has(target)) return;
    guarded.add(target);
    const query = (target.query as AnyFn).bind(target);
    // Callback forms (pg-pool's own calls) pass through; the promise form is mapped.
    target.query = (...args: unknown[]) =>
      typeof args[args.length - 1] === 'function'
        ? query(...args)
        : (query(...args) as Promise<unknown>).catch(map);
  };
  guardQuery(pool);
  const connect = (pool.connect as AnyFn).bind(pool);
  (pool as unknown as { connect: unknown }).connect = (...args: unknown[]) => {
    if (typeof args[0] === 'function') return connect(...args);
    return (connect() as Promise<pg.PoolClient>).then((client) => {
      guardQuery(client);
      return client;
    }, map);
  };
}
