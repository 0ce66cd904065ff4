export * from './agent-runner.config.js';
export * from './agent-runner.module.js';
