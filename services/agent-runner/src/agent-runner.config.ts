import { platformConfigShape } from '@cairn/config';
import { z } from 'zod';

/** Configuration keys of the agent-runner service beyond the platform's. */
export const agentRunnerConfigShape = {};

/** The agent-runner process's configuration: the platform schema plus the service's own keys. */
export const agentRunnerConfigSchema = z.object({ ...platformConfigShape, ...agentRunnerConfigShape });
export type AgentRunnerConfig = z.infer<typeof agentRunnerConfigSchema>;
