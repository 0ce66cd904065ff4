export * from './wait-for.js';
export * from './postgres-for-tests.js';
