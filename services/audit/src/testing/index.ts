export { publishAgentRun, type RecordedRun } from './agent-run.fixture.js';
