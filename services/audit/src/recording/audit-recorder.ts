import { Inject, Injectable } from '@nestjs/common';
import type { DescMessage, Message } from '@bufbuild/protobuf';
import type { AppendResult, AuditStore } from '@cairn/audit-store';
import { DocumentDeletedSchema, type DocumentDeleted } from '@cairn/contracts/cairn/ingestion/v1/events';
import type { EventEnvelope } from '@cairn/events';
import { Checkpointer } from '../checkpoints/checkpointer.js';
import { AUDIT_STORE } from '../store/audit-store.provider.js';
import { AuditTrail } from '../trail/audit-trail.js';
import { toAuditEntry } from './event-entry.js';

/** A delivered event and its payload schema. */
export interface RecordedEvent {
  readonly schema: DescMessage;
  readonly event: EventEnvelope<Message>;
}

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

  /** Appends a batch of events in one transaction, then erases and signs as they require. */
  async recordBatch(events: readonly RecordedEvent[]): Promise<AppendResult[]> {
    const results = await this.store.appendBatch(
      events.map(({ schema, event }) => toAuditEntry(schema, event)),
    );
    const appended = new Map<string, { first: number; last: number }>();
    for (const [i, { event }] of events.entries()) {
      const result = results[i];
      if (result === undefined) continue;
      const sequence = Number(result.record.sequence);
      if (event.type === DocumentDeletedSchema.typeName) {
        // Everything recorded about the document before its deletion; the deletion record stays whole.
        const deleted = event.payload as DocumentDeleted;
        await this.trail.eraseDocument(event.tenant, deleted.documentId, sequence - 1);
      }
      if (!result.appended) continue;
      const range = appended.get(event.tenant);
      appended.set(event.tenant, {
        first: Math.min(range?.first ?? sequence, sequence),
        last: Math.max(range?.last ?? sequence, sequence),
      });
    }
    for (const [tenant, { first, last }] of appended) await this.checkpointer.appended(tenant, first, last);
    return results;
  }
}
