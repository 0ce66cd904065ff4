import { randomUUID } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { ErrorStatusSchema } from '@cairn/contracts/cairn/common/v1/common';
import {
  DeleteDocumentResponseSchema,
  DocumentStatus,
  GetDocumentResponseSchema,
  IngestionService,
  IngestStreamResponseSchema,
  IngestStreamResultSchema,
  ListDocumentsResponseSchema,
  type DeleteDocumentRequest,
  type Document,
  type GetDocumentRequest,
  type IngestRequest,
  type IngestStreamRequest,
  type ListDocumentsRequest,
} from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import type { DocumentStatus as RegistryStatus } from '@cairn/document-registry';
import {
  GrpcError,
  GrpcService,
  mapErrors,
  Status,
  type CallContext,
  type GrpcServiceImpl,
} from '@cairn/grpc';
import { DocumentIngestor } from '../ingest/document-ingestor.js';
import type { IngestCommand } from '../ingest/ingest-command.js';
import { toDocumentInfo, toIngestResponse } from './document-info.mapper.js';
import { toGrpcError } from './ingestion-errors.js';

const MAX_PAGE_SIZE = 1000;

/** gRPC surface of the ingestion service: one-line delegates to {@link DocumentIngestor}. */
@GrpcService(IngestionService)
export class IngestionGrpcController implements GrpcServiceImpl<typeof IngestionService> {
  constructor(private readonly ingestor: DocumentIngestor) {}

  async ingest(request: IngestRequest, context: CallContext) {
    const requestId = request.requestId || randomUUID();
    return mapErrors(
      async () =>
        toIngestResponse(await this.ingestor.ingest(toCommand(request, context, requestId)), requestId),
      toGrpcError,
    );
  }

  async ingestStream(requests: AsyncIterable<IngestStreamRequest>, context: CallContext) {
    const response = create(IngestStreamResponseSchema);
    let index = 0;
    for await (const request of requests) {
      const requestId = request.requestId || randomUUID();
      const externalId = request.document?.externalId ?? '';
      try {
        const outcome = await this.ingestor.ingest(toCommand(request, context, requestId));
        response.results.push(
          create(IngestStreamResultSchema, {
            index,
            externalId,
            outcome: { case: 'ingested', value: toIngestResponse(outcome, requestId) },
          }),
        );
        if (outcome.unchanged) response.unchangedCount++;
        else response.ingestedCount++;
      } catch (error) {
        const mapped = toGrpcError(error);
        if (!(mapped instanceof GrpcError)) throw mapped;
        response.failedCount++;
        response.results.push(
          create(IngestStreamResultSchema, {
            index,
            externalId,
            outcome: {
              case: 'error',
              value: create(ErrorStatusSchema, {
                code: mapped.code,
                detail: {
                  reason: mapped.details?.reason ?? '',
                  message: mapped.message,
                  field: mapped.details?.field ?? '',
                },
              }),
            },
          }),
        );
      }
      index++;
    }
    return response;
  }

  async deleteDocument(request: DeleteDocumentRequest, context: CallContext) {
    return mapErrors(async () => {
      const record = await this.ingestor.delete(
        context.tenant,
        request.documentId,
        context.principal ?? '',
        request.requestId || randomUUID(),
      );
      return create(DeleteDocumentResponseSchema, { document: toDocumentInfo(record) });
    }, toGrpcError);
  }

  async getDocument(request: GetDocumentRequest, context: CallContext) {
    return mapErrors(
      async () =>
        create(GetDocumentResponseSchema, {
          document: toDocumentInfo(await this.ingestor.get(context.tenant, request.documentId)),
        }),
      toGrpcError,
    );
  }

  async listDocuments(request: ListDocumentsRequest, context: CallContext) {
    return mapErrors(async () => {
      const pageSize = request.page?.pageSize || 50;
      if (pageSize < 0 || pageSize > MAX_PAGE_SIZE) {
        throw new GrpcError(
          Status.INVALID_ARGUMENT,
          `page.page_size must be between 0 and ${MAX_PAGE_SIZE}`,
          {
            reason: 'INVALID_PAGE_SIZE',
            field: 'page.page_size',
          },
        );
      }
      const status = fromStatus(request.status);
      const page = await this.ingestor.list(context.tenant, {
        ...(request.collection ? { collection: request.collection } : {}),
        ...(status ? { status } : {}),
        pageSize,
        ...(request.page?.pageToken ? { pageToken: request.page.pageToken } : {}),
      });
      return create(ListDocumentsResponseSchema, {
        documents: page.documents
          .filter((document) => !request.externalId || document.externalId === request.externalId)
          .map(toDocumentInfo),
        page: { nextPageToken: page.nextPageToken ?? '' },
      });
    }, toGrpcError);
  }
}

const STATUS_FILTER: Partial<Record<DocumentStatus, RegistryStatus>> = {
  [DocumentStatus.RECEIVED]: 'received',
  [DocumentStatus.CHUNKED]: 'chunked',
  [DocumentStatus.INDEXED]: 'indexed',
  [DocumentStatus.FAILED]: 'failed',
  [DocumentStatus.DELETED]: 'deleted',
};

function fromStatus(status: DocumentStatus): RegistryStatus | undefined {
  return STATUS_FILTER[status];
}

function toCommand(
  request: IngestRequest | IngestStreamRequest,
  context: CallContext,
  requestId: string,
): IngestCommand {
  const document: Document | undefined = request.document;
  if (!document) {
    throw new GrpcError(Status.INVALID_ARGUMENT, 'document is required', {
      reason: 'MISSING_FIELD',
      field: 'document',
    });
  }
  if (document.tenant && document.tenant !== context.tenant) {
    throw new GrpcError(
      Status.INVALID_ARGUMENT,
      `document.tenant '${document.tenant}' differs from the request tenant`,
      {
        reason: 'TENANT_MISMATCH',
        field: 'document.tenant',
      },
    );
  }
  return {
    tenant: context.tenant,
    collection: document.collection,
    externalId: document.externalId,
    title: document.title,
    sourceUri: document.sourceUri,
    mimeType: document.mimeType,
    metadata: document.metadata,
    content:
      document.content.case === 'text'
        ? { text: document.content.value }
        : document.content.case === 'data'
          ? { data: document.content.value }
          : undefined,
    idempotencyKey: document.idempotencyKey,
    requestId,
    principal: context.principal ?? '',
    traceparent: context.traceparent,
  };
}
