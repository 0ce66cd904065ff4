export * from './config-error.js';
export * from './config-keys.js';
export * from './load-config.js';
export * from './platform-config.js';
export * from './telemetry-env.js';
export * from './cli-env.js';
