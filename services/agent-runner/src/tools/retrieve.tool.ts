import { randomUUID } from 'node:crypto';
import { GrpcError, Status } from '@cairn/grpc';
import type { PlatformClients } from '../clients/platform-clients.js';
import {
  stringArg,
  toolError,
  type AgentTool,
  type ToolCallContext,
  type ToolOutcome,
} from './agent-tool.js';

/** Collections value meaning "every collection of the tenant". */
export const ALL_COLLECTIONS = '*';

/**
 * `retrieve`: searches the agent's collections through the retrieval service (BuildContext: hybrid
 * search, deduplicated, packed within the agent's token budget) and returns the passages with their
 * citations. The search is recorded by the retrieval service under the run's id (provenance).
 */
export class RetrieveTool implements AgentTool {
  readonly name = 'retrieve';
  readonly definition = {
    name: 'retrieve',
    description:
      'Searches the knowledge base for passages relevant to a query. Cite the passages you use with their [n] markers.',
    parameters: {
      type: 'object',
      properties: { query: { type: 'string', description: 'What to search for, in natural language.' } },
      required: ['query'],
      additionalProperties: false,
    },
  } as const;

  constructor(private readonly clients: PlatformClients) {}

  async execute(args: Record<string, unknown>, context: ToolCallContext): Promise<ToolOutcome> {
    const query = stringArg(args, 'query');
    if (!query) return toolError('retrieve needs a non-empty "query" string argument');
    const collections = context.collections.includes(ALL_COLLECTIONS) ? [] : [...context.collections];
    const requestId = randomUUID();
    try {
      const response = await this.clients.retrieval().buildContext(
        {
          query,
          collections,
          topK: context.retrieval.topK,
          mode: context.retrieval.mode,
          minScore: context.retrieval.minScore,
          tokenBudget: context.retrieval.tokenBudget,
          diversify: context.retrieval.diversify,
          requestId,
          runId: context.runId,
        },
        {
          signal: context.signal,
          metadata: this.clients.actingFor({ tenant: context.tenant, principal: context.principal }),
        },
      );
      const texts = new Map(response.chunks.map((chunk) => [chunk.chunk?.chunkId ?? '', chunk.text]));
      return {
        content: '',
        isError: false,
        retrieval: {
          query,
          requestId: response.requestId || requestId,
          collections,
          passages: response.citations.map((citation) => ({
            citation,
            text: texts.get(citation.chunkId) ?? '',
          })),
        },
      };
    } catch (error) {
      // A bad query is the model's to fix; anything else (retrieval down) fails the step and is retried.
      if (error instanceof GrpcError && error.code === Status.INVALID_ARGUMENT)
        return toolError(`retrieve: ${error.message}`);
      throw error;
    }
  }
}
