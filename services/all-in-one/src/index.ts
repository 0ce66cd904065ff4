export * from './all-in-one.config.js';
export * from './all-in-one.js';
