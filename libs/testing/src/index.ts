export * from './wait-for.js';
export * from './postgres-for-tests.js';
export * from './seeded-random.js';
