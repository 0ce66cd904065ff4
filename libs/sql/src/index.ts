export * from './sql-executor.js';
export * from './sqlite.database.js';
export * from './postgres.database.js';
export { guardPostgresPool, isPostgresUnavailable } from './postgres-pool-guard.js';
