import { Inject, Injectable } from '@nestjs/common';
import type { DescMessage, Message } from '@bufbuild/protobuf';
import type { AppendResult, AuditStore } from '@cairn/audit-store';
import { DocumentDeletedSchema, type DocumentDeleted } from '@cairn/contracts/cairn/ingestion/v1/events';
import type { EventEnvelope } from '@cairn/events';
import { Checkpointer } from '../checkpoints/checkpointer.js';
import { AUDIT_STORE } from '../store/audit-store.provider.js';
import { AuditTrail } from '../trail/audit-trail.js';
import { toAuditEntry } from './event-entry.js';

/**
 * Appends one record per event (a redelivery appends nothing), erases the payloads about a deleted
 * document, and lets the checkpointer sign the chain as it grows.
 */
@Injectable()
export class AuditRecorder {
  constructor(
    @Inject(AUDIT_STORE) private readonly store: AuditStore,
    private readonly trail: AuditTrail,
    private readonly checkpointer: Checkpointer,
  ) {}

  async record(schema: DescMessage, event: EventEnvelope<Message>): Promise<AppendResult> {
    const result = await this.store.append(toAuditEntry(schema, event));
    const sequence = Number(result.record.sequence);
    if (event.type === DocumentDeletedSchema.typeName) {
      // Everything recorded about the document before its deletion; the deletion record stays whole.
      const deleted = event.payload as DocumentDeleted;
      await this.trail.eraseDocument(event.tenant, deleted.documentId, sequence - 1);
    }
    if (result.appended) await this.checkpointer.appended(event.tenant, sequence);
    return result;
  }
}
