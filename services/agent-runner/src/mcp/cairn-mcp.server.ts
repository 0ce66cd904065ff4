import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { DescService } from '@bufbuild/protobuf';
import { AgentService } from '@cairn/contracts/cairn/agent/v1/agent';
import { AuditService } from '@cairn/contracts/cairn/audit/v1/audit';
import { IngestionService } from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { RetrievalService } from '@cairn/contracts/cairn/retrieval/v1/retrieval';
import { CairnGrpcServer, createGrpcClient, type GrpcClient } from '@cairn/grpc';
import type { Logger } from '@cairn/observability';
import { LOGGER, PLATFORM_CONFIG, ProcessBanner } from '@cairn/platform';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { AgentRunnerConfig } from '../agent-runner.config.js';
import { outboundChannel } from '../clients/outbound-channel.js';
import { registerCairnTools, type McpBackends } from './cairn-mcp.tools.js';

/** Path of the MCP endpoint. */
export const MCP_PATH = '/mcp';
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const MAX_CLIENTS = 256;
const BEARER = /^Bearer\s+(cairn_[A-Za-z0-9]{4,64}_[A-Za-z0-9_-]{16,256})\s*$/i;

/**
 * Cairn as an MCP server over Streamable HTTP (stateless: one server and transport per request) at
 * `http://<mcpServerHost>:<mcpServerPort>/mcp`. Callers authenticate with their Cairn API key
 * (`Authorization: Bearer cairn_…`); every tool is a call of the public gRPC API with that key.
 */
@Injectable()
export class CairnMcpServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private http: Server | undefined;
  private readonly clients = new Map<string, { close(): void }>();

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly config: AgentRunnerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly grpc: CairnGrpcServer,
    private readonly banner: ProcessBanner,
  ) {}

  /** The bound port, once listening. */
  get port(): number | undefined {
    return (this.http?.address() as AddressInfo | null)?.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.agent.mcpServerEnabled) return;
    const http = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(this.config.agent.mcpServerPort, this.config.agent.mcpServerHost, () => resolve());
    });
    this.http = http;
    const url = `http://${this.config.agent.mcpServerHost}:${this.port}${MCP_PATH}`;
    this.banner.add('MCP', url);
    this.logger.info({ mcp: url }, 'MCP server listening');
  }

  async onApplicationShutdown(): Promise<void> {
    const http = this.http;
    this.http = undefined;
    if (http) {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== MCP_PATH)
        return reply(res, 404, { error: `not found: the MCP endpoint is ${MCP_PATH}` });
      const key = BEARER.exec(req.headers.authorization ?? '')?.[1];
      if (!key) {
        res.setHeader('www-authenticate', 'Bearer realm="cairn"');
        return reply(res, 401, {
          error: "send your Cairn API key as 'Authorization: Bearer cairn_<id>_<secret>'",
        });
      }
      if (req.method !== 'POST')
        return reply(res, 405, { error: 'this server is stateless: POST JSON-RPC messages to /mcp' });
      const body = await readJson(req);
      const abort = new AbortController();
      res.once('close', () => abort.abort());
      const server = new McpServer({ name: 'cairn', version: '0.1.0' });
      registerCairnTools(
        server,
        () => this.backends(key),
        () => ({ signal: abort.signal }),
      );
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: true,
      });
      res.once('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, body);
    } catch (error) {
      if (error instanceof BadRequest) return reply(res, 400, { error: error.message });
      this.logger.error({ err: error }, 'MCP request failed');
      if (!res.headersSent) reply(res, 500, { error: 'internal error' });
    }
  }

  /** gRPC clients authenticated with the caller's key (one channel per key and service). */
  private backends(apiKey: string): McpBackends {
    return {
      retrieval: this.client(RetrievalService, this.config.agent.retrievalEndpoint, apiKey),
      ingestion: this.client(IngestionService, this.config.agent.ingestionEndpoint, apiKey),
      audit: this.client(AuditService, this.config.agent.auditEndpoint, apiKey),
      agents: this.client(AgentService, undefined, apiKey),
    };
  }

  private client<S extends DescService>(
    service: S,
    endpoint: string | undefined,
    apiKey: string,
  ): GrpcClient<S> {
    const address = endpoint ?? `127.0.0.1:${this.grpc.port ?? this.config.grpc.port}`;
    const id = `${service.typeName}@${address}@${apiKey}`;
    let client = this.clients.get(id) as GrpcClient<S> | undefined;
    if (!client) {
      client = createGrpcClient(service, address, { apiKey, ...outboundChannel(this.config) });
      this.clients.set(id, client);
      // Callers' channels are kept for the most recent keys only.
      for (const [oldest, stale] of this.clients) {
        if (this.clients.size <= MAX_CLIENTS) break;
        stale.close();
        this.clients.delete(oldest);
      }
    }
    return client;
  }
}

class BadRequest extends Error {}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BadRequest(`request body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BadRequest('request body is not JSON');
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
