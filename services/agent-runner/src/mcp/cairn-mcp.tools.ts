import { toJson, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { type AgentService, RunStatus } from '@cairn/contracts/cairn/agent/v1/agent';
import { ExplainResponseSchema, type AuditService } from '@cairn/contracts/cairn/audit/v1/audit';
import {
  GetDocumentResponseSchema,
  type IngestionService,
  IngestResponseSchema,
} from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import {
  BuildContextResponseSchema,
  type RetrievalService,
  SearchMode,
  SearchResponseSchema,
} from '@cairn/contracts/cairn/retrieval/v1/retrieval';
import { GrpcError, Status, type GrpcClient } from '@cairn/grpc';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

/** The platform's APIs as the MCP tools call them, with the MCP caller's own API key. */
export interface McpBackends {
  readonly retrieval: GrpcClient<typeof RetrievalService>;
  readonly ingestion: GrpcClient<typeof IngestionService>;
  readonly agents: GrpcClient<typeof AgentService>;
  readonly audit: GrpcClient<typeof AuditService>;
}

const MODES = { dense: SearchMode.DENSE, keyword: SearchMode.KEYWORD, hybrid: SearchMode.HYBRID } as const;

/**
 * Registers Cairn's MCP tools: `search`, `build_context`, `ingest`, `get_document`, `run_agent` and
 * `explain`. Each is one call of the public gRPC API, so the caller's key decides the tenant and what
 * it may do; failures come back as tool errors with the gRPC status and reason.
 */
export function registerCairnTools(
  server: McpServer,
  backends: () => McpBackends,
  callOptions: () => { signal?: AbortSignal },
): void {
  server.registerTool(
    'search',
    {
      title: 'Search the knowledge base',
      description:
        "Dense, keyword or hybrid search over the tenant's documents; returns chunks with scores and sources.",
      inputSchema: {
        query: z.string().min(1).describe('What to search for.'),
        collections: z.array(z.string()).optional().describe('Collections to search; all when absent.'),
        mode: z.enum(['dense', 'keyword', 'hybrid']).optional().describe('Default hybrid.'),
        top_k: z.number().int().min(1).max(100).optional().describe('Default 10.'),
        filter: z.record(z.string(), z.string()).optional().describe('Metadata that must match exactly.'),
      },
    },
    (args) =>
      call(
        SearchResponseSchema,
        async () =>
          backends().retrieval.search(
            {
              query: args.query,
              collections: args.collections ?? [],
              mode: MODES[args.mode ?? 'hybrid'],
              topK: args.top_k ?? 10,
              ...(args.filter
                ? {
                    filter: {
                      must: Object.entries(args.filter).map(([key, value]) => ({
                        key,
                        match: { case: 'equals', value },
                      })),
                    },
                  }
                : {}),
            },
            callOptions(),
          ),
        (response) =>
          response.chunks
            .map(
              (c, i) =>
                `[${i + 1}] ${c.title || c.sourceUri} (score ${c.score.toFixed(3)}, document ${c.chunk?.documentId})\n${c.text}`,
            )
            .join('\n\n') || 'No chunks matched.',
      ),
  );
  server.registerTool(
    'build_context',
    {
      title: 'Build a cited context',
      description:
        'Packs the passages most relevant to a query within a token budget, numbered for citation.',
      inputSchema: {
        query: z.string().min(1),
        collections: z.array(z.string()).optional(),
        token_budget: z.number().int().min(50).max(32_000).optional().describe('Default 2000.'),
      },
    },
    (args) =>
      call(
        BuildContextResponseSchema,
        () =>
          backends().retrieval.buildContext(
            {
              query: args.query,
              collections: args.collections ?? [],
              tokenBudget: args.token_budget ?? 2000,
            },
            callOptions(),
          ),
        (response) => response.context || 'No passages matched.',
      ),
  );
  server.registerTool(
    'ingest',
    {
      title: 'Ingest a document',
      description: 'Adds or updates a text document (plain text, Markdown, HTML or JSON) in a collection.',
      inputSchema: {
        external_id: z.string().min(1).describe("Id of the document in the caller's system."),
        text: z.string().min(1),
        collection: z.string().optional().describe('Default "default".'),
        title: z.string().optional(),
        mime_type: z.enum(['text/plain', 'text/markdown', 'text/html', 'application/json']).optional(),
        metadata: z.record(z.string(), z.string()).optional(),
      },
    },
    (args) =>
      call(
        IngestResponseSchema,
        () =>
          backends().ingestion.ingest(
            {
              document: {
                externalId: args.external_id,
                collection: args.collection ?? 'default',
                title: args.title ?? '',
                mimeType: args.mime_type ?? 'text/plain',
                metadata: args.metadata ?? {},
                content: { case: 'text', value: args.text },
              },
            },
            callOptions(),
          ),
        (response) =>
          `document ${response.documentId} version ${response.version}: ${response.unchanged ? 'unchanged' : `${response.chunkCount} chunks`}`,
      ),
  );
  server.registerTool(
    'get_document',
    {
      title: 'Get a document',
      description: 'Status, version and chunk count of an ingested document.',
      inputSchema: { document_id: z.string().min(1) },
    },
    (args) =>
      call(
        GetDocumentResponseSchema,
        () => backends().ingestion.getDocument({ documentId: args.document_id }, callOptions()),
        (response) => JSON.stringify(toJson(GetDocumentResponseSchema, response)),
      ),
  );
  server.registerTool(
    'run_agent',
    {
      title: 'Ask an agent',
      description: 'Runs a Cairn agent on a question and returns its answer with citations and the run id.',
      inputSchema: {
        input: z.string().min(1).describe('The question or task.'),
        agent: z.string().optional().describe('Agent name; default "default".'),
        session_id: z.string().optional().describe('Conversation session, for follow-up questions.'),
      },
    },
    async (args) => {
      try {
        let runId = '';
        let status = RunStatus.UNSPECIFIED;
        let answer = '';
        let error = '';
        let citations: string[] = [];
        const stream = backends().agents.run(
          { agent: args.agent ?? 'default', input: args.input, sessionId: args.session_id ?? '' },
          callOptions(),
        );
        for await (const response of stream) {
          runId = response.runId;
          status = response.status;
          const kind = response.step?.kind;
          if (kind?.case === 'finalAnswer') {
            answer = kind.value.text;
            citations = kind.value.citations.map(
              (c) =>
                `[${c.index}] ${c.title || c.sourceUri || c.documentId} (document ${c.documentId} v${c.documentVersion})`,
            );
          }
          if (kind?.case === 'error') error = `${kind.value.reason}: ${kind.value.message}`;
        }
        const text =
          status === RunStatus.SUCCEEDED
            ? [answer, '', ...citations, '', `run ${runId}`].join('\n')
            : `run ${runId} ended ${RunStatus[status]}: ${error}`;
        return {
          content: [{ type: 'text', text }],
          isError: status !== RunStatus.SUCCEEDED,
          structuredContent: { runId, status: RunStatus[status], answer },
        };
      } catch (failure) {
        return errorResult(failure);
      }
    },
  );
  server.registerTool(
    'explain',
    {
      title: 'Explain an answer',
      description:
        'The provenance of a search (request id) or an agent run (run id): question, chunks used, tool calls, verdicts, answer.',
      inputSchema: { run_id: z.string().optional(), request_id: z.string().optional() },
    },
    (args) =>
      call(
        ExplainResponseSchema,
        () => {
          if (!args.run_id && !args.request_id)
            throw new GrpcError(Status.INVALID_ARGUMENT, 'give run_id or request_id', {
              reason: 'INVALID_ARGUMENT',
            });
          return backends().audit.explain(
            args.run_id
              ? { subject: { case: 'runId', value: args.run_id } }
              : { subject: { case: 'requestId', value: args.request_id ?? '' } },
            callOptions(),
          );
        },
        (response) => JSON.stringify(toJson(ExplainResponseSchema, response)),
      ),
  );
}

/** One gRPC call as a tool result: a text rendering plus the response as structured JSON. */
async function call<S extends DescMessage>(
  schema: S,
  work: () => Promise<MessageShape<S>>,
  render: (response: MessageShape<S>) => string,
): Promise<CallToolResult> {
  try {
    const response = await work();
    return {
      content: [{ type: 'text', text: render(response) }],
      structuredContent: toJson(schema, response) as Record<string, unknown>,
    };
  } catch (error) {
    return errorResult(error);
  }
}

function errorResult(error: unknown): CallToolResult {
  const text =
    error instanceof GrpcError
      ? `${Status[error.code]}: ${error.message}${error.details?.reason ? ` (${error.details.reason})` : ''}`
      : `failed: ${(error as Error).message}`;
  return { content: [{ type: 'text', text }], isError: true };
}
