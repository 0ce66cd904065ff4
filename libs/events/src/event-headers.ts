/** Record headers written by Cairn producers and read by the shared codec. */
export const EventHeaders = {
  eventId: 'cairn-event-id',
  eventType: 'cairn-event-type',
  schemaVersion: 'cairn-schema-version',
  tenant: 'cairn-tenant',
  contentType: 'content-type',
  traceparent: 'traceparent',
} as const;

/** Headers added to a record moved to `<topic>.dlq` (the original headers are kept). */
export const DlqHeaders = {
  error: 'cairn-dlq-error',
  originalTopic: 'cairn-dlq-original-topic',
  originalPartition: 'cairn-dlq-original-partition',
  originalOffset: 'cairn-dlq-original-offset',
  group: 'cairn-dlq-group',
  attempts: 'cairn-dlq-attempts',
  failedAt: 'cairn-dlq-failed-at',
} as const;

/** Payload encodings. */
export const ContentTypes = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
} as const;

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** True for a well-formed W3C `traceparent` value. */
export function isTraceparent(value: string): boolean {
  return TRACEPARENT.test(value) && !value.startsWith('ff-') && !/-0{32}-|-0{16}-/.test(value);
}
