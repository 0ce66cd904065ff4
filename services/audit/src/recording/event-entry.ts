import { toBinary, type DescMessage, type Message } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { AuditEntry, Subject } from '@cairn/audit-store';
import type { EventMeta } from '@cairn/contracts/cairn/common/v1/common';
import { isTraceparent, topicFor, type EventEnvelope } from '@cairn/events';

/** Payload fields that name what an event is about, and the subject kind they make. */
const SUBJECT_FIELDS: Readonly<Record<string, string>> = {
  documentId: 'document',
  runId: 'run',
  requestId: 'request',
  sessionId: 'session',
  agent: 'agent',
};

/** Subject kind of a document named by (collection, external id) before it has a document id. */
export const EXTERNAL_DOCUMENT = 'external_document';

/**
 * The audit entry of a delivered event: who, what, about which entities, when, in which trace, and
 * the payload as protobuf binary (JSON ingress events are re-encoded).
 */
export function toAuditEntry(schema: DescMessage, event: EventEnvelope<Message>): AuditEntry {
  const fields = event.payload as unknown as Record<string, unknown>;
  const meta = fields['meta'] as EventMeta | undefined;
  const text = (name: string): string => (typeof fields[name] === 'string' ? fields[name] : '');
  const requestId = meta?.requestId || text('requestId');
  const subjects: Subject[] = [];
  for (const [field, kind] of Object.entries(SUBJECT_FIELDS)) {
    const id = text(field);
    if (id !== '') subjects.push({ kind, id });
  }
  if (requestId !== '') subjects.push({ kind: 'request', id: requestId });
  if (text('externalId') !== '')
    subjects.push({
      kind: EXTERNAL_DOCUMENT,
      id: externalDocumentId(text('collection'), text('externalId')),
    });
  return {
    tenant: event.tenant,
    eventId: event.id,
    eventType: event.type,
    topic: event.topic,
    principal: meta?.principal || (topicFor(schema).ingress ? `kafka:${event.topic}` : ''),
    subjects,
    occurredAt: meta?.occurredAt ? timestampDate(meta.occurredAt) : event.timestamp,
    traceId: traceIdOf(event.traceparent ?? meta?.trace?.traceparent),
    requestId,
    payload: toBinary(schema, event.payload),
  };
}

/** Subject id of a document named by collection (empty = `default`) and external id. */
export function externalDocumentId(collection: string, externalId: string): string {
  return `${collection || 'default'}/${externalId}`;
}

function traceIdOf(traceparent: string | undefined): string {
  return traceparent !== undefined && isTraceparent(traceparent) ? (traceparent.split('-')[1] ?? '') : '';
}
