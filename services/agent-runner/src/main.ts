import { runServiceProcess } from '@cairn/platform';
import { agentRunnerConfigSchema } from './agent-runner.config.js';
import { AgentRunnerModule } from './agent-runner.module.js';

await runServiceProcess({
  name: 'agent-runner',
  configSchema: agentRunnerConfigSchema,
  modules: [AgentRunnerModule],
});
