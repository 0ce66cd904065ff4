import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ToolAllowlistPolicy, type Verdict } from '@cairn/guardrails';
import type { Logger } from '@cairn/observability';
import { LOGGER, PLATFORM_CONFIG } from '@cairn/platform';
import type { AgentRunnerConfig } from '../agent-runner.config.js';
import { PlatformClients } from '../clients/platform-clients.js';
import { LongTermMemory } from '../memory/long-term-memory.js';
import type { AgentTool } from './agent-tool.js';
import { HostAllowlist } from './host-allowlist.js';
import { HttpTool } from './http.tool.js';
import { McpToolset } from './mcp-toolset.js';
import { RememberTool } from './remember.tool.js';
import { RetrieveTool } from './retrieve.tool.js';

/** An agent's view of the tools: what it is offered, and the check each call passes. */
export interface AgentToolbox {
  /** Tools offered to the model (allowed for this agent and tenant). */
  readonly offered: readonly AgentTool[];
  /** The tool a model-facing name stands for, offered or not. */
  resolve(modelFacingName: string): AgentTool | undefined;
  /** The allowlist verdict on calling `tool` (canonical name). */
  check(tool: string): Verdict;
}

/**
 * Every tool the runner has: `retrieve`, `remember`, `http` (when hosts are allowed) and the tools
 * of the configured MCP servers. An agent is offered those its `allowed_tools` allow and the
 * platform's tool rules do not deny.
 */
@Injectable()
export class ToolRegistry implements OnApplicationShutdown {
  private readonly builtins: readonly AgentTool[];
  private readonly mcp: McpToolset;
  private readonly denyRules: AgentRunnerConfig['agent']['toolRules'];

  constructor(
    @Inject(PLATFORM_CONFIG) config: AgentRunnerConfig,
    @Inject(LOGGER) logger: Logger,
    clients: PlatformClients,
    memory: LongTermMemory,
  ) {
    const allowlist = new HostAllowlist(config.agent.httpAllowedHosts);
    this.builtins = [
      new RetrieveTool(clients),
      new RememberTool(memory),
      ...(allowlist.empty
        ? []
        : [
            new HttpTool({
              allowlist,
              timeoutMs: config.agent.httpTimeoutMs,
              maxResponseBytes: config.agent.httpMaxResponseBytes,
            }),
          ]),
    ];
    this.mcp = new McpToolset(config.agent.mcpServers, logger.child({ component: 'mcp-client' }));
    this.denyRules = config.agent.toolRules;
  }

  /** Every tool known now (MCP servers are asked for their tools). */
  async all(): Promise<AgentTool[]> {
    return [...this.builtins, ...(await this.mcp.tools())];
  }

  /** The toolbox of one agent of a tenant. Throws RangeError for a malformed allowlist pattern. */
  async toolbox(tenant: string, agent: string, allowedTools: readonly string[]): Promise<AgentToolbox> {
    const policy = new ToolAllowlistPolicy([
      { tenant, agent, allow: allowedTools },
      ...this.denyRules.map((rule) => ({ ...rule })),
    ]);
    const tools = await this.all();
    const offered = tools.filter(
      (tool) => policy.check({ tenant, agent, tool: tool.name }).action === 'allow',
    );
    return {
      offered,
      resolve: (name) => tools.find((tool) => tool.definition.name === name || tool.name === name),
      check: (tool) => policy.check({ tenant, agent, tool }),
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.mcp.close();
  }
}
