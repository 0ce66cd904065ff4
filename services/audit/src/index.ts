export * from './audit.config.js';
export * from './audit.module.js';
