import { createHash, randomUUID } from 'node:crypto';
import {
  fromBinary,
  fromJson,
  toBinary,
  type DescMessage,
  type JsonValue,
  type MessageShape,
} from '@bufbuild/protobuf';
import type { EventEnvelope, PublishOptions, RawEnvelope, TopicSpec } from './event-bus.port.js';
import { ContentTypes, EventHeaders, isTraceparent } from './event-headers.js';
import { schemaVersionOf } from './topic-spec.js';

/** A record as read from the log, before decoding. */
export type ConsumedRecord = Omit<RawEnvelope, 'attempt'>;

/** An event ready to append: key, protobuf bytes and Cairn headers. */
export interface EncodedEvent {
  readonly eventId: string;
  readonly key: string;
  readonly value: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
}

/** A record that cannot be turned into its topic's payload type; it goes to the DLQ untouched. */
export class EventDecodeError extends Error {
  override readonly name = 'EventDecodeError';
}

/** Outcome of `decodeEvent`. */
export type DecodeResult<T> =
  | { readonly ok: true; readonly event: Omit<EventEnvelope<T>, 'attempt'> }
  | { readonly ok: false; readonly error: EventDecodeError };

const RESERVED = new Set<string>(Object.values(EventHeaders));

/** Encodes a payload as protobuf binary with the Cairn headers. Throws on a missing tenant or bad traceparent. */
export function encodeEvent<S extends DescMessage>(
  topic: TopicSpec<S>,
  payload: MessageShape<S>,
  options: PublishOptions,
): EncodedEvent {
  if (options.tenant === '') throw new Error(`publish to ${topic.name}: tenant is required`);
  if (options.traceparent !== undefined && !isTraceparent(options.traceparent)) {
    throw new Error(`publish to ${topic.name}: "${options.traceparent}" is not a W3C traceparent`);
  }
  const eventId = options.eventId ?? randomUUID();
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (!RESERVED.has(name.toLowerCase())) headers[name] = value;
  }
  headers[EventHeaders.eventId] = eventId;
  headers[EventHeaders.eventType] = topic.schema.typeName;
  headers[EventHeaders.schemaVersion] = schemaVersionOf(topic.schema);
  headers[EventHeaders.tenant] = options.tenant;
  headers[EventHeaders.contentType] = ContentTypes.protobuf;
  if (options.traceparent !== undefined) headers[EventHeaders.traceparent] = options.traceparent;
  return { eventId, key: options.key ?? topic.key(payload), value: toBinary(topic.schema, payload), headers };
}

/**
 * Decodes a record into the topic's payload type: protobuf binary, or the protobuf JSON mapping
 * (`content-type: application/json`) on ingress topics only. Records from foreign producers
 * without Cairn headers get their tenant from the payload's `tenant` field and an event id
 * hashed from topic/partition/offset. Never throws: failures are returned as `EventDecodeError`.
 */
export function decodeEvent<S extends DescMessage>(
  topic: TopicSpec<S>,
  record: ConsumedRecord,
): DecodeResult<MessageShape<S>> {
  try {
    return { ok: true, event: decodeOrThrow(topic, record) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      error: error instanceof EventDecodeError ? error : new EventDecodeError(message, { cause: error }),
    };
  }
}

function decodeOrThrow<S extends DescMessage>(
  topic: TopicSpec<S>,
  record: ConsumedRecord,
): Omit<EventEnvelope<MessageShape<S>>, 'attempt'> {
  const h = record.headers;
  const type = h[EventHeaders.eventType];
  if (type !== undefined && type !== topic.schema.typeName) {
    throw new EventDecodeError(
      `event type ${type} does not match ${topic.name}'s payload ${topic.schema.typeName}`,
    );
  }
  const contentType = mediaType(h[EventHeaders.contentType]);
  let payload: MessageShape<S>;
  let json: JsonValue | undefined;
  if (contentType === ContentTypes.protobuf) {
    payload = parse('protobuf', () => fromBinary(topic.schema, record.value));
  } else if (contentType === ContentTypes.json) {
    if (!topic.ingress)
      throw new EventDecodeError(`${topic.name} is not an ingress topic: JSON payloads are not accepted`);
    json = parse(
      'JSON',
      () => JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(record.value)) as JsonValue,
    );
    const value = json;
    payload = parse('JSON', () => fromJson(topic.schema, value, { ignoreUnknownFields: true }));
  } else {
    throw new EventDecodeError(`unsupported content-type "${contentType}"`);
  }
  const tenant = h[EventHeaders.tenant] ?? tenantOf(json, payload);
  if (tenant === undefined || tenant === '')
    throw new EventDecodeError('no tenant: neither a cairn-tenant header nor a tenant field');
  // Consumers act for the header's tenant; a payload naming another one is forged or corrupt.
  const named = tenantOf(undefined, payload);
  if (named !== undefined && named !== '' && named !== tenant)
    throw new EventDecodeError(
      `the payload's tenant "${named}" is not the cairn-tenant header's "${tenant}"`,
    );
  const traceparent = h[EventHeaders.traceparent];
  return {
    id: h[EventHeaders.eventId] ?? derivedEventId(record),
    type: topic.schema.typeName,
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    key: record.key,
    tenant,
    schemaVersion: h[EventHeaders.schemaVersion] ?? schemaVersionOf(topic.schema),
    contentType,
    ...(traceparent !== undefined && isTraceparent(traceparent) ? { traceparent } : {}),
    timestamp: record.timestamp,
    headers: h,
    payload,
  };
}

/** Event id of a record that carries none: a hash of its coordinates, stable across redeliveries. */
export function derivedEventId(record: Pick<ConsumedRecord, 'topic' | 'partition' | 'offset'>): string {
  return createHash('sha256')
    .update(`${record.topic}/${record.partition}/${record.offset}`)
    .digest('hex')
    .slice(0, 32);
}

/**
 * A UUID (version 5 layout, SHA-1 of `name`) that is the same every time for the same name: the id of
 * an event a producer may publish again (a step of a run, after a crash), so consumers drop the copy.
 */
export function stableEventId(name: string): string {
  const hash = createHash('sha1').update('cairn.event\u0000').update(name, 'utf8').digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function mediaType(header: string | undefined): string {
  if (header === undefined || header.trim() === '') return ContentTypes.protobuf;
  return (header.split(';')[0] ?? '').trim().toLowerCase();
}

function parse<T>(encoding: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new EventDecodeError(`cannot decode ${encoding} payload: ${reason}`, { cause: error });
  }
}

function tenantOf(json: JsonValue | undefined, payload: object): string | undefined {
  if (
    json !== null &&
    typeof json === 'object' &&
    !Array.isArray(json) &&
    typeof json['tenant'] === 'string'
  ) {
    return json['tenant'];
  }
  const value: unknown = (payload as Record<string, unknown>)['tenant'];
  return typeof value === 'string' ? value : undefined;
}
