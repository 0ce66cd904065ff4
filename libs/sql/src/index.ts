export * from './sql-executor.js';
export * from './sqlite.database.js';
export * from './postgres.database.js';
