import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Logger } from '@cairn/observability';
import type { McpServerConfig } from '../agent-runner.config.js';
import type { AgentTool, ToolCallContext, ToolOutcome } from './agent-tool.js';

/** How long a server's tool list is reused before it is listed again. */
const TOOL_LIST_TTL_MS = 30_000;

interface McpToolInfo {
  readonly name: string;
  readonly description?: string | undefined;
  readonly inputSchema: Record<string, unknown>;
}

/**
 * The runner as an MCP client: connects to each configured server (stdio or Streamable HTTP) when its
 * tools are first needed, offers them as `mcp:<server>/<tool>` (model-facing `<server>__<tool>`), and
 * reconnects after a server went away. Each call carries `cairn/idempotency-key` in `_meta`.
 */
export class McpToolset {
  private readonly connections: McpConnection[];

  constructor(servers: readonly McpServerConfig[], logger: Logger) {
    this.connections = servers.map(
      (server) => new McpConnection(server, logger.child({ mcpServer: server.name })),
    );
  }

  /** Every configured server's tools; a server that cannot be reached is left out (and logged). */
  async tools(): Promise<AgentTool[]> {
    const lists = await Promise.all(this.connections.map((connection) => connection.tools()));
    return lists.flat();
  }

  async close(): Promise<void> {
    await Promise.all(this.connections.map((connection) => connection.close()));
  }
}

class McpConnection {
  private client: Promise<Client> | undefined;
  private listed: { at: number; tools: AgentTool[] } | undefined;

  constructor(
    private readonly server: McpServerConfig,
    private readonly logger: Logger,
  ) {}

  async tools(): Promise<AgentTool[]> {
    if (this.listed && Date.now() - this.listed.at < TOOL_LIST_TTL_MS) return this.listed.tools;
    try {
      const client = await this.connect();
      const found: McpToolInfo[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor ? { cursor } : {});
        found.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor);
      const tools = found.map((tool) => this.agentTool(tool));
      this.listed = { at: Date.now(), tools };
      return tools;
    } catch (error) {
      this.logger.warn({ err: error }, 'MCP server unavailable: its tools are not offered');
      await this.reset();
      return this.listed?.tools ?? [];
    }
  }

  async close(): Promise<void> {
    await this.reset();
  }

  private agentTool(tool: McpToolInfo): AgentTool {
    const server = this.server.name;
    return {
      name: `mcp:${server}/${tool.name}`,
      definition: {
        name: modelFacingName(server, tool.name),
        description: tool.description ?? `${tool.name} (MCP server ${server})`,
        parameters: tool.inputSchema,
      },
      execute: (args, context) => this.call(tool.name, args, context),
    };
  }

  private async call(
    name: string,
    args: Record<string, unknown>,
    context: ToolCallContext,
  ): Promise<ToolOutcome> {
    const client = await this.connect();
    try {
      const result = await client.callTool(
        {
          name,
          arguments: args,
          _meta: { 'cairn/idempotency-key': context.idempotencyKey, 'cairn/run-id': context.runId },
        },
        undefined,
        { signal: context.signal },
      );
      return { content: contentText(result), isError: result.isError === true };
    } catch (error) {
      context.signal.throwIfAborted();
      await this.reset();
      throw error;
    }
  }

  private connect(): Promise<Client> {
    this.client ??= (async () => {
      const client = new Client({ name: 'cairn-agent-runner', version: '0.1.0' });
      const transport =
        this.server.transport === 'stdio'
          ? new StdioClientTransport({
              command: this.server.command,
              args: this.server.args,
              env: { ...getDefaultEnvironment(), ...this.server.env },
              ...(this.server.cwd ? { cwd: this.server.cwd } : {}),
              stderr: 'pipe',
            })
          : new StreamableHTTPClientTransport(new URL(this.server.url), {
              requestInit: { headers: this.server.headers },
            });
      transport.onclose = () => {
        this.client = undefined;
      };
      await client.connect(transport);
      return client;
    })();
    this.client.catch(() => {
      this.client = undefined;
    });
    return this.client;
  }

  private async reset(): Promise<void> {
    const current = this.client;
    this.client = undefined;
    if (current) await current.then((client) => client.close()).catch(() => undefined);
  }
}

/** `<server>__<tool>` with only the characters model APIs accept, at most 64. */
export function modelFacingName(server: string, tool: string): string {
  return `${server}__${tool}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
}

/** A tool result as text for the model: its text parts, else its structured content as JSON. */
function contentText(result: Awaited<ReturnType<Client['callTool']>>): string {
  const parts = Array.isArray(result.content) ? (result.content as Array<Record<string, unknown>>) : [];
  const texts = parts.map((part) =>
    part['type'] === 'text' && typeof part['text'] === 'string'
      ? part['text']
      : `[${String(part['type'])} content]`,
  );
  if (texts.length > 0) return texts.join('\n');
  return result.structuredContent === undefined ? '' : JSON.stringify(result.structuredContent);
}
