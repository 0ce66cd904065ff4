export * from './health.js';
export * from './http-server.js';
export * from './logger.js';
export * from './metrics.js';
export * from './tracing.js';
