export * from './api-keys.js';
export * from './event-bus.factory.js';
export * from './nest-logger.js';
export * from './ops-http.lifecycle.js';
export * from './platform.module.js';
export * from './platform.tokens.js';
export * from './run-service-process.js';
export * from './not-yet-available.js';
