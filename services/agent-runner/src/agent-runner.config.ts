import { platformConfigShape } from '@cairn/config';
import { embeddingConfigShape } from '@cairn/embeddings';
import { chatModelConfigShape } from '@cairn/models';
import { vectorTierConfigShape } from '@cairn/vector-store';
import { z } from 'zod';

const endpoint = z
  .string()
  .regex(/^[^\s:]+:\d+$/, 'expected host:port')
  .optional();

const seconds = (fallback: number, what: string) => z.number().int().min(1).default(fallback).describe(what);

/** An MCP server whose tools the runner offers to agents (`mcp:<name>/<tool>` in allowlists). */
const mcpServerSchema = z.discriminatedUnion('transport', [
  z.object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'a lowercase name'),
    transport: z.literal('stdio'),
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).default({}),
    cwd: z.string().optional(),
  }),
  z.object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'a lowercase name'),
    transport: z.literal('http'),
    url: z.url(),
    headers: z.record(z.string(), z.string()).default({}),
  }),
]);
export type McpServerConfig = z.infer<typeof mcpServerSchema>;

/** Configuration keys of the agent-runner service beyond the platform's. */
export const agentRunnerConfigShape = {
  ...chatModelConfigShape,
  ...embeddingConfigShape,
  ...vectorTierConfigShape,
  agent: z
    .object({
      storeBackend: z
        .enum(['sqlite', 'postgres'])
        .default('sqlite')
        .describe('Agent store (definitions, runs, steps, sessions): SQLite in <dataDir> or PostgreSQL.'),
      postgresUrl: z
        .string()
        .url()
        .optional()
        .describe('PostgreSQL URL of the agent store (postgres backend).'),
      postgresSchema: z
        .string()
        .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lowercase SQL identifier')
        .default('cairn_agent')
        .describe('PostgreSQL schema of the agent tables (postgres backend).'),
      retrievalEndpoint: endpoint.describe('host:port of the retrieval service; unset = this process.'),
      ingestionEndpoint: endpoint.describe(
        'host:port of the ingestion service (MCP ingest tool); unset = this process.',
      ),
      auditEndpoint: endpoint.describe(
        'host:port of the audit service (MCP explain tool); unset = this process.',
      ),
      grpcCaFile: z
        .string()
        .min(1)
        .optional()
        .describe(
          "CA bundle of the services the runner calls; set, calls go over TLS (presenting this process's " +
            'gRPC certificate, CAIRN_GRPC_TLS_CERT_FILE/KEY_FILE, when it has one: mTLS).',
        ),
      grpcTlsServerName: z
        .string()
        .min(1)
        .optional()
        .describe(
          "Name the called services' certificates are checked against, instead of the endpoint host.",
        ),
      agentsFile: z
        .string()
        .optional()
        .describe('JSON file of agent definitions loaded at start: {"agents":[{"tenant":"…","agent":{…}}]}.'),
      maxConcurrentRuns: z.number().int().min(1).default(8).describe('Runs one process executes at a time.'),
      leaseSeconds: seconds(15, 'How long a runner holds a run without renewing; another resumes it after.'),
      sweepIntervalMs: z
        .number()
        .int()
        .min(50)
        .default(2000)
        .describe('How often a runner looks for runs to resume (expired leases, unclaimed runs).'),
      pendingGraceMs: z
        .number()
        .int()
        .min(0)
        .default(5000)
        .describe('A pending run nobody claimed for this long is picked up by the sweep.'),
      maxSteps: z.number().int().min(1).default(16).describe('Default most steps of a run.'),
      maxTokens: z.number().int().min(1).default(32_000).describe('Default most model tokens of a run.'),
      maxWallTimeSeconds: seconds(300, 'Default longest a run may take.'),
      maxToolCalls: z.number().int().min(1).default(8).describe('Default most tool calls of a run.'),
      maxInputChars: z.number().int().min(1).default(32_000).describe('Longest run input accepted.'),
      httpAllowedHosts: z
        .array(z.string().regex(/^(\*\.)?[A-Za-z0-9.-]+(:\d+)?$/, 'a host, *.domain, or host:port'))
        .default([])
        .describe('Hosts the http tool may call (comma-separated; empty = the http tool is off).'),
      httpTimeoutMs: z.number().int().min(1).default(10_000).describe('Time limit of one http tool call.'),
      httpMaxResponseBytes: z
        .number()
        .int()
        .min(1)
        .default(65_536)
        .describe('Most bytes of an http tool response given to the model.'),
      toolRules: z
        .preprocess(
          (value): unknown => (typeof value === 'string' ? (JSON.parse(value) as unknown) : value),
          z.array(
            z.object({
              tenant: z.string().optional(),
              agent: z.string().optional(),
              deny: z.array(z.string()).default([]),
            }),
          ),
        )
        .default([])
        .describe(
          'Tools denied per tenant and agent on top of each agent\'s allowlist, as JSON: [{"tenant":"acme","deny":["http"]}].',
        ),
      mcpServers: z
        .preprocess(
          (value): unknown => (typeof value === 'string' ? (JSON.parse(value) as unknown) : value),
          z.array(mcpServerSchema),
        )
        .default([])
        .describe(
          'MCP servers whose tools agents may use, as JSON: [{"name","transport":"stdio","command",…}].',
        ),
      mcpServerEnabled: z.boolean().default(true).describe('Serve Cairn as an MCP server (Streamable HTTP).'),
      mcpServerHost: z.string().min(1).default('127.0.0.1').describe('Address the MCP server binds.'),
      mcpServerPort: z.number().int().min(0).max(65535).default(8090).describe('MCP server port (0 = free).'),
      memoryRecallTopK: z
        .number()
        .int()
        .min(1)
        .max(50)
        .default(5)
        .describe('Default long-term memories recalled.'),
    })
    .prefault({}),
};

/** The agent-runner process's configuration: the platform schema plus the service's own keys. */
export const agentRunnerConfigSchema = z.object({ ...platformConfigShape, ...agentRunnerConfigShape });
export type AgentRunnerConfig = z.infer<typeof agentRunnerConfigSchema>;
