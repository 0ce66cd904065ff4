export * from './agent-store.contract.js';
