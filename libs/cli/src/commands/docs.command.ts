import { create } from '@bufbuild/protobuf';
import {
  DeleteDocumentResponseSchema,
  DocumentStatus,
  GetDocumentResponseSchema,
  IngestionService,
  ListDocumentsResponseSchema,
  type DocumentInfo,
} from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { choiceValue, intValue, stringValue } from '../args/values.js';
import { ExitCode } from '../exit-codes.js';
import { writeJson } from '../render/json.js';
import { byteSize, columns, count, time } from '../render/text.js';
import type { Command } from './command.js';
import { readPages } from './read-pages.js';

const STATUSES = {
  received: DocumentStatus.RECEIVED,
  chunked: DocumentStatus.CHUNKED,
  indexed: DocumentStatus.INDEXED,
  failed: DocumentStatus.FAILED,
  deleted: DocumentStatus.DELETED,
} as const;
/** Largest page the ingestion service serves. */
const PAGE_SIZE = 500;

/** `cairn docs ls`: every page of ListDocuments (or the first `--limit`). */
export const docsListCommand: Command = {
  name: 'docs ls',
  summary: 'list the documents (all pages)',
  usage: '[options]',
  description:
    "Lists the tenant's documents, newest update first: id, collection, external id, version, status, chunks.\n" +
    'Deleted documents are left out unless --status deleted. With --json, prints one ListDocumentsResponse\n' +
    'holding every document listed.',
  options: {
    collection: { type: 'string', value: 'name', description: 'only this collection' },
    status: {
      type: 'string',
      value: Object.keys(STATUSES).join('|'),
      description: 'only documents in this status',
    },
    'external-id': { type: 'string', value: 'id', description: 'only the document with this external id' },
    limit: { type: 'string', value: 'n', description: 'list at most n documents (default: all)' },
  },
  positionals: { min: 0, max: 0 },
  async run(context) {
    const { values } = context;
    const status = choiceValue(
      values,
      'status',
      Object.keys(STATUSES) as (keyof typeof STATUSES)[],
      'docs ls',
    );
    const limit = intValue(values, 'limit', { min: 1 }, 'docs ls') ?? Number.POSITIVE_INFINITY;
    const client = context.client(IngestionService);
    const { items: documents } = await readPages(
      async (pageSize, pageToken) => {
        const page = await client.listDocuments(
          {
            tenant: context.global.tenant,
            collection: stringValue(values, 'collection') ?? '',
            externalId: stringValue(values, 'external-id') ?? '',
            status: status ? STATUSES[status] : DocumentStatus.UNSPECIFIED,
            page: { pageSize, pageToken },
          },
          context.unary(),
        );
        return { items: page.documents, nextPageToken: page.page?.nextPageToken ?? '' };
      },
      { limit, maxPageSize: PAGE_SIZE },
    );
    if (context.global.json)
      writeJson(
        context.io.stdout,
        ListDocumentsResponseSchema,
        create(ListDocumentsResponseSchema, { documents }),
      );
    else context.io.stdout.write(renderDocumentList(documents));
    return ExitCode.OK;
  },
};

/** `cairn docs get <document-id>`: GetDocument. */
export const docsGetCommand: Command = {
  name: 'docs get',
  summary: "show a document's metadata and status",
  usage: '<document-id>',
  options: {},
  positionals: { min: 1, max: 1 },
  async run(context) {
    const response = await context
      .client(IngestionService)
      .getDocument(
        { tenant: context.global.tenant, documentId: context.positionals[0] ?? '' },
        context.unary(),
      );
    if (context.global.json) writeJson(context.io.stdout, GetDocumentResponseSchema, response);
    else if (response.document) context.io.stdout.write(renderDocument(response.document));
    return ExitCode.OK;
  },
};

/** `cairn docs rm <document-id…>`: DeleteDocument for each; stops at the first failure. */
export const docsRemoveCommand: Command = {
  name: 'docs rm',
  summary: 'delete documents (their chunks leave the index)',
  usage: '<document-id…>',
  description:
    'Deletes each document: it is marked deleted and its chunks leave the index. Deleting a deleted\n' +
    'document succeeds. Stops at the first failure. With --json, prints one DeleteDocumentResponse per line.',
  options: {},
  positionals: { min: 1, max: Number.POSITIVE_INFINITY },
  async run(context) {
    const client = context.client(IngestionService);
    for (const documentId of context.positionals) {
      const response = await client.deleteDocument(
        { tenant: context.global.tenant, documentId },
        context.unary(),
      );
      if (context.global.json)
        writeJson(context.io.stdout, DeleteDocumentResponseSchema, response, { line: true });
      else context.io.stdout.write(`deleted ${documentId}  ${response.document?.externalId ?? ''}\n`);
    }
    return ExitCode.OK;
  },
};

/** A table of documents, with their count. */
export function renderDocumentList(documents: readonly DocumentInfo[]): string {
  if (documents.length === 0) return 'No documents.\n';
  const rows = documents.map((d) => [
    d.documentId,
    d.collection,
    d.externalId,
    `v${d.version}`,
    statusName(d.status),
    String(d.chunkCount),
    time(d.updatedAt),
  ]);
  return `${columns([['DOCUMENT', 'COLLECTION', 'EXTERNAL ID', 'VERSION', 'STATUS', 'CHUNKS', 'UPDATED'], ...rows]).join('\n')}\n${count(documents.length, 'document')}\n`;
}

/** A document's fields, one per line. */
export function renderDocument(d: DocumentInfo): string {
  const metadata = Object.entries(d.metadata).map(([key, value]) => `${key}=${value}`);
  const rows = [
    ['document', d.documentId],
    ['collection', d.collection],
    ['external id', d.externalId],
    ['title', d.title],
    ['source', d.sourceUri],
    ['media type', d.mimeType],
    ['version', String(d.version)],
    ['status', statusName(d.status)],
    ...(d.failureReason ? [['failure', d.failureReason]] : []),
    ['chunks', String(d.chunkCount)],
    ['size', byteSize(d.sizeBytes)],
    ['content hash', d.contentHash],
    ['created', time(d.createdAt)],
    ['updated', time(d.updatedAt)],
    ...(metadata.length > 0 ? [['metadata', metadata.join(', ')]] : []),
  ];
  return `${columns(rows).join('\n')}\n`;
}

/** `indexed` for DOCUMENT_STATUS_INDEXED. */
export function statusName(status: DocumentStatus): string {
  return (DocumentStatus[status] ?? String(status)).toLowerCase();
}
