export * from './retrieval.config.js';
export * from './retrieval.module.js';
