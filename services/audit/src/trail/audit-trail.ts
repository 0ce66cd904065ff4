import { Inject, Injectable } from '@nestjs/common';
import { create } from '@bufbuild/protobuf';
import { verifyChain, type AuditStore, type Subject } from '@cairn/audit-store';
import {
  EraseResponseSchema,
  ExportResponseSchema,
  QueryResponseSchema,
  VerifyFailure,
  VerifyResponseSchema,
  type EraseRequest,
  type EraseResponse,
  type ExportRequest,
  type ExportResponse,
  type QueryRequest,
  type QueryResponse,
  type VerifyRequest,
  type VerifyResponse,
} from '@cairn/contracts/cairn/audit/v1/audit';
import { EXTERNAL_DOCUMENT } from '../recording/event-entry.js';
import { CheckpointSigner } from '../signing/checkpoint-signer.js';
import { AUDIT_STORE } from '../store/audit-store.provider.js';
import { InvalidAuditRequestError } from './audit-errors.js';
import { readPage, toAuditQuery } from './audit-query.js';
import { readAll } from './read-all.js';

const EXPORT_BATCH = 500;

/** Reading, verifying and erasing a tenant's trail. */
@Injectable()
export class AuditTrail {
  constructor(
    @Inject(AUDIT_STORE) private readonly store: AuditStore,
    private readonly signer: CheckpointSigner,
  ) {}

  async query(tenant: string, request: QueryRequest): Promise<QueryResponse> {
    const query = toAuditQuery(request.filter);
    const page = readPage(request.page, request.filter, request.descending);
    const result = await this.store.query(tenant, query, {
      limit: page.size,
      descending: request.descending,
      includePayload: request.includePayload,
      ...(page.after === undefined ? {} : { after: page.after }),
    });
    const last = result.records.at(-1);
    return create(QueryResponseSchema, {
      records: result.records,
      page: { nextPageToken: result.more && last ? page.tokenAfter(Number(last.sequence)) : '' },
    });
  }

  /** Every matching record after `after_sequence`, in sequence order, read in batches. */
  async *export(tenant: string, request: ExportRequest, signal: AbortSignal): AsyncGenerator<ExportResponse> {
    const query = toAuditQuery(request.filter);
    let after = Number(request.afterSequence);
    for (let more = true; more && !signal.aborted;) {
      const page = await this.store.query(tenant, query, {
        limit: EXPORT_BATCH,
        after,
        includePayload: request.includePayload,
      });
      for (const record of page.records) yield create(ExportResponseSchema, { record });
      after = Number(page.records.at(-1)?.sequence ?? after);
      more = page.more;
    }
  }

  async verify(tenant: string, request: VerifyRequest): Promise<VerifyResponse> {
    const from = Number(request.fromSequence) || 1;
    const to = Number(request.toSequence) || undefined;
    if (to !== undefined && to < from)
      throw new InvalidAuditRequestError(
        `to_sequence (${to}) is before from_sequence (${from})`,
        'INVALID_RANGE',
        'to_sequence',
      );
    const result = await verifyChain(this.store, tenant, { from, ...(to ? { to } : {}) }, this.signer.check);
    return create(VerifyResponseSchema, {
      ok: result.ok,
      checkedCount: BigInt(result.checked),
      firstBrokenRecordId: result.broken?.recordId ?? '',
      firstBrokenSequence: BigInt(result.broken?.sequence ?? 0),
      reason: result.broken ? VerifyFailure[result.broken.reason] : VerifyFailure.UNSPECIFIED,
      detail: result.broken?.detail ?? '',
      lastSequence: BigInt(result.lastSequence),
      lastHash: result.lastHash,
      checkpointSequence: BigInt(result.checkpointSequence),
    });
  }

  async erase(tenant: string, request: EraseRequest): Promise<EraseResponse> {
    const head = await this.store.head(tenant);
    const upToSequence = head?.sequence ?? 0;
    switch (request.scope.case) {
      case 'documentId': {
        if (request.scope.value === '')
          throw new InvalidAuditRequestError('document_id must not be empty', 'MISSING_FIELD', 'document_id');
        const erasedCount = await this.eraseDocument(tenant, request.scope.value, upToSequence);
        return create(EraseResponseSchema, {
          erasedCount: BigInt(erasedCount),
          upToSequence: BigInt(upToSequence),
        });
      }
      case 'allRecords': {
        if (!request.scope.value)
          throw new InvalidAuditRequestError(
            'all_records must be true when set',
            'INVALID_SCOPE',
            'all_records',
          );
        const erasedCount = await this.store.erasePayloads(tenant, { upToSequence });
        return create(EraseResponseSchema, {
          erasedCount: BigInt(erasedCount),
          upToSequence: BigInt(upToSequence),
        });
      }
      case undefined:
        throw new InvalidAuditRequestError('set document_id or all_records', 'MISSING_FIELD', 'scope');
    }
  }

  /**
   * Erases the payloads of the records about a document up to `upToSequence`: those naming its id,
   * and its submissions, named by collection and external id before the document had an id.
   */
  async eraseDocument(tenant: string, documentId: string, upToSequence: number): Promise<number> {
    const document: Subject = { kind: 'document', id: documentId };
    const subjects = new Map([[`document/${documentId}`, document]]);
    for (const record of await readAll(this.store, tenant, { subject: document, toSequence: upToSequence }))
      for (const subject of record.subjects)
        if (subject.kind === EXTERNAL_DOCUMENT) subjects.set(`${subject.kind}/${subject.id}`, subject);
    return this.store.erasePayloads(tenant, { subjects: [...subjects.values()], upToSequence });
  }
}
