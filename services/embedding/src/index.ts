export * from './embedding.config.js';
export * from './embedding.module.js';
