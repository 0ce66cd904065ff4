export * from './agent-store.port.js';
export * from './create-agent-store.js';
export { FINISHED_STATUSES, isFinished } from './sql/run-rows.js';
