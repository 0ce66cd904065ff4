export * from './wait-for.js';
export * from './postgres-for-tests.js';
export * from './test-certificates.js';
export * from './seeded-random.js';
