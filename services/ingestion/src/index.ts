export * from './ingestion.config.js';
export * from './ingestion.module.js';
