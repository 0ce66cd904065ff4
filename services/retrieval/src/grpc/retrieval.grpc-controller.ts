import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { create } from '@bufbuild/protobuf';
import { timestampNow } from '@bufbuild/protobuf/wkt';
import { CitationSchema, EventMetaSchema } from '@cairn/contracts/cairn/common/v1/common';
import { SearchPerformedSchema } from '@cairn/contracts/cairn/retrieval/v1/events';
import {
  BuildContextResponseSchema,
  RetrievalService,
  ScoredChunkSchema,
  SearchMode,
  SearchResponseSchema,
  type BuildContextRequest,
  type MetadataFilter,
  type SearchRequest,
} from '@cairn/contracts/cairn/retrieval/v1/retrieval';
import { EVENT_BUS, EventBusUnavailableError, topicFor, type EventBus } from '@cairn/events';
import {
  GrpcError,
  GrpcService,
  mapErrors,
  Status,
  type CallContext,
  type GrpcServiceImpl,
} from '@cairn/grpc';
import type {
  FilterCondition,
  FilterKey,
  PointFilter,
  ScoredPoint,
  SearchMode as StoreMode,
} from '@cairn/vector-store';
import { packContext } from '../search/context-packer.js';
import { Retriever, type SearchQuery } from '../search/retriever.js';
import { toGrpcError } from './retrieval-errors.js';

const performedTopic = topicFor(SearchPerformedSchema);
const MAX_TOP_K = 100;
const MAX_QUERY_CHARS = 8192;

/** gRPC surface of the retrieval service. Every search is recorded as a SearchPerformed event (provenance). */
@GrpcService(RetrievalService)
export class RetrievalGrpcController implements GrpcServiceImpl<typeof RetrievalService> {
  constructor(
    private readonly retriever: Retriever,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
  ) {}

  async search(request: SearchRequest, context: CallContext) {
    const requestId = request.requestId || randomUUID();
    const query = toQuery(request, context, request.topK || 10);
    const points = await mapErrors(() => this.retriever.search(query, context.signal), toGrpcError);
    const model = await this.retriever.modelName();
    await this.record(request, context, requestId, points, model, 'Search');
    return create(SearchResponseSchema, {
      requestId,
      chunks: points.map(toScoredChunk),
      mode: request.mode || SearchMode.HYBRID,
      model,
    });
  }

  async buildContext(request: BuildContextRequest, context: CallContext) {
    const requestId = request.requestId || randomUUID();
    const query = toQuery(request, context, request.topK || 20);
    const points = await mapErrors(() => this.retriever.search(query, context.signal), toGrpcError);
    const packed = packContext(points, {
      tokenBudget: request.tokenBudget || 2000,
      diversify: request.diversify,
      mmrLambda: request.mmrLambda || 0.7,
      countTokens: (text) => this.retriever.tokenizer.countTokens(text),
    });
    const used = packed.chunks.map((chunk) => chunk.point);
    await this.record(request, context, requestId, used, await this.retriever.modelName(), 'BuildContext');
    return create(BuildContextResponseSchema, {
      requestId,
      context: packed.text,
      tokenCount: packed.tokenCount,
      truncated: packed.truncated,
      chunks: used.map(toScoredChunk),
      citations: packed.chunks.map(({ point, citation }) =>
        create(CitationSchema, {
          index: citation,
          documentId: point.documentId,
          documentVersion: point.documentVersion,
          chunkId: point.id,
          title: point.title,
          sourceUri: point.sourceUri,
          headingPath: point.headingPath,
          startOffset: point.startOffset,
          endOffset: point.endOffset,
        }),
      ),
    });
  }

  private async record(
    request: SearchRequest | BuildContextRequest,
    context: CallContext,
    requestId: string,
    points: readonly ScoredPoint[],
    model: string,
    method: string,
  ): Promise<void> {
    const recorded = this.bus.publish(
      performedTopic,
      create(SearchPerformedSchema, {
        tenant: context.tenant,
        requestId,
        meta: create(EventMetaSchema, {
          occurredAt: timestampNow(),
          requestId,
          principal: context.principal ?? '',
        }),
        query: request.query,
        mode: request.mode || SearchMode.HYBRID,
        collections: request.collections,
        ...(request.filter ? { filter: request.filter } : {}),
        topK: request.topK,
        results: points.map((point, rank) => ({
          chunk: {
            documentId: point.documentId,
            documentVersion: point.documentVersion,
            chunkId: point.id,
            chunkHash: point.chunkHash,
          },
          score: point.score,
          rank: rank + 1,
        })),
        model,
        runId: request.runId,
        method,
      }),
      { tenant: context.tenant, ...(context.traceparent ? { traceparent: context.traceparent } : {}) },
    );
    await recorded.catch(notRecorded);
  }
}

/** No answer without its provenance: while the log is down, searches are refused as retryable. */
function notRecorded(error: unknown): never {
  if (!(error instanceof EventBusUnavailableError)) throw error;
  throw new GrpcError(Status.UNAVAILABLE, `the search could not be recorded, retry: ${error.message}`, {
    reason: 'EVENTS_UNAVAILABLE',
  });
}

function toQuery(
  request: SearchRequest | BuildContextRequest,
  context: CallContext,
  topK: number,
): SearchQuery {
  const query = request.query.trim();
  if (!query) throw invalid('query must not be empty', 'query');
  if (query.length > MAX_QUERY_CHARS)
    throw invalid(`query is longer than ${MAX_QUERY_CHARS} characters`, 'query');
  if (topK > MAX_TOP_K) throw invalid(`top_k must be at most ${MAX_TOP_K}`, 'top_k');
  if (request.minScore < 0) throw invalid('min_score must not be negative', 'min_score');
  return {
    tenant: context.tenant,
    query,
    collections: request.collections,
    filter: toFilter(request.filter),
    topK,
    mode: toMode(request.mode),
    minScore: request.minScore,
  };
}

function toMode(mode: SearchMode): StoreMode {
  switch (mode) {
    case SearchMode.DENSE:
      return 'dense';
    case SearchMode.KEYWORD:
      return 'keyword';
    case SearchMode.HYBRID:
    case SearchMode.UNSPECIFIED:
      return 'hybrid';
    default:
      throw invalid(`unknown search mode ${String(mode)}`, 'mode');
  }
}

const RESERVED_KEYS: Record<string, FilterKey> = {
  document_id: 'documentId',
  source_uri: 'sourceUri',
  title: 'title',
  chunk_hash: 'chunkHash',
};

function toFilter(filter: MetadataFilter | undefined): PointFilter {
  const convert = (conditions: MetadataFilter['must']): FilterCondition[] =>
    conditions.map((condition, index) => {
      if (!condition.key) throw invalid(`filter condition ${index} has no key`, 'filter');
      const key: FilterKey = RESERVED_KEYS[condition.key] ?? `metadata.${condition.key}`;
      switch (condition.match.case) {
        case 'equals':
          return { key, equals: condition.match.value };
        case 'anyOf':
          return { key, anyOf: [...condition.match.value.values] };
        case undefined:
          throw invalid(`filter condition on '${condition.key}' needs equals or any_of`, 'filter');
      }
    });
  return filter ? { must: convert(filter.must), mustNot: convert(filter.mustNot) } : {};
}

function toScoredChunk(point: ScoredPoint) {
  return create(ScoredChunkSchema, {
    chunk: {
      documentId: point.documentId,
      documentVersion: point.documentVersion,
      chunkId: point.id,
      chunkHash: point.chunkHash,
    },
    collection: point.collection,
    title: point.title,
    sourceUri: point.sourceUri,
    headingPath: point.headingPath,
    startOffset: point.startOffset,
    endOffset: point.endOffset,
    text: point.text,
    score: point.score,
    metadata: point.metadata,
  });
}

function invalid(message: string, field: string): GrpcError {
  return new GrpcError(Status.INVALID_ARGUMENT, message, { reason: 'INVALID_ARGUMENT', field });
}
