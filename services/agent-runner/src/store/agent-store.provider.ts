import { join } from 'node:path';
import type { FactoryProvider } from '@nestjs/common';
import { createAgentStore, type AgentStore } from '@cairn/agent-store';
import { HealthRegistry } from '@cairn/observability';
import { RunStatus } from '@cairn/contracts/cairn/agent/v1/agent';
import { PLATFORM_CONFIG, TenantCountsRegistry } from '@cairn/platform';
import type { AgentRunnerConfig } from '../agent-runner.config.js';

/** Injection token of the agent store. */
export const AGENT_STORE = Symbol('AGENT_STORE');

/** The agent store of the configured backend, migrated at start, reported in `/readyz` and `cairn status`. */
export const agentStoreProvider: FactoryProvider<Promise<AgentStore>> = {
  provide: AGENT_STORE,
  inject: [PLATFORM_CONFIG, HealthRegistry, TenantCountsRegistry],
  useFactory: async (config: AgentRunnerConfig, health: HealthRegistry, counts: TenantCountsRegistry) => {
    const { storeBackend, postgresUrl, postgresSchema } = config.agent;
    if (storeBackend === 'postgres' && !postgresUrl)
      throw new Error('agent.storeBackend is postgres: set CAIRN_AGENT_POSTGRES_URL');
    const store =
      storeBackend === 'postgres'
        ? createAgentStore({
            backend: 'postgres',
            url: postgresUrl ?? '',
            schema: postgresSchema,
          })
        : createAgentStore({ backend: 'sqlite', path: join(config.dataDir, 'agents.db') });
    await store.migrate();
    health.register('agent-store', async () => {
      const status = await store.health();
      if (!status.ok) throw new Error(status.detail ?? 'agent store is not healthy');
    });
    counts.register('agent-runner', async (tenant) => {
      const byStatus = await store.countRuns(tenant);
      const total = [...byStatus.values()].reduce((sum, n) => sum + n, 0);
      return [
        { name: 'runs', value: total },
        ...[...byStatus].map(([status, value]) => ({
          name: `runs.${(RunStatus[status] ?? String(status)).toLowerCase()}`,
          value,
        })),
      ];
    });
    return store;
  },
};
