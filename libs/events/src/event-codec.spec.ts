import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create, toBinary } from '@bufbuild/protobuf';
import { StringValueSchema, StructSchema } from '@bufbuild/protobuf/wkt';
import { DocumentDeletedSchema } from '@cairn/contracts/cairn/ingestion/v1/events';
import {
  decodeEvent,
  derivedEventId,
  encodeEvent,
  stableEventId,
  type ConsumedRecord,
} from './event-codec.js';
import { ContentTypes, EventHeaders } from './event-headers.js';
import { defineTopic, topicFor } from './topic-spec.js';

const topic = defineTopic({ name: 'cairn.test.text.v1', schema: StringValueSchema, key: (m) => m.value });
const ingress = defineTopic({
  name: 'cairn.test.ingress.v1',
  schema: StructSchema,
  key: () => 'k',
  ingress: true,
});
const at = (value: Uint8Array, headers: Record<string, string>, t = topic.name): ConsumedRecord => ({
  topic: t,
  partition: 2,
  offset: '17',
  key: 'k',
  headers,
  value,
  timestamp: new Date(0),
});
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

void describe('event codec', () => {
  void it('round-trips an event with its headers', () => {
    const encoded = encodeEvent(topic, create(StringValueSchema, { value: 'hello' }), {
      tenant: 'acme',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      headers: { [EventHeaders.tenant]: 'evil', 'x-a': '1' },
    });
    assert.equal(encoded.key, 'hello');
    assert.equal(encoded.headers[EventHeaders.tenant], 'acme');
    assert.equal(encoded.headers[EventHeaders.eventType], 'google.protobuf.StringValue');
    assert.equal(encoded.headers['x-a'], '1');
    const decoded = decodeEvent(topic, at(encoded.value, { ...encoded.headers }));
    assert.ok(decoded.ok);
    assert.equal(decoded.event.payload.value, 'hello');
    assert.equal(decoded.event.id, encoded.eventId);
    assert.equal(decoded.event.tenant, 'acme');
    assert.equal(decoded.event.contentType, ContentTypes.protobuf);
  });

  void it('refuses to encode without a tenant or with a malformed traceparent', () => {
    const payload = create(StringValueSchema, { value: 'x' });
    assert.throws(() => encodeEvent(topic, payload, { tenant: '' }), /tenant is required/);
    assert.throws(() => encodeEvent(topic, payload, { tenant: 't', traceparent: 'nope' }), /traceparent/);
  });

  void it('rejects undecodable bytes, foreign event types and tenantless records', () => {
    const bad = decodeEvent(topic, at(Uint8Array.from([0xff, 0xff, 0xff]), { [EventHeaders.tenant]: 't' }));
    assert.ok(!bad.ok);
    assert.match(bad.error.message, /cannot decode protobuf/);
    const value = toBinary(StringValueSchema, create(StringValueSchema, { value: 'x' }));
    const wrongType = decodeEvent(
      topic,
      at(value, { [EventHeaders.tenant]: 't', [EventHeaders.eventType]: 'other.Type' }),
    );
    assert.ok(!wrongType.ok);
    assert.match(wrongType.error.message, /does not match/);
    const noTenant = decodeEvent(topic, at(value, {}));
    assert.ok(!noTenant.ok);
    assert.match(noTenant.error.message, /no tenant/);
    const strangeType = decodeEvent(
      topic,
      at(value, { [EventHeaders.tenant]: 't', 'content-type': 'text/xml' }),
    );
    assert.ok(!strangeType.ok);
  });

  void it('rejects a payload that names another tenant than its cairn-tenant header', () => {
    const deleted = topicFor(DocumentDeletedSchema);
    const payload = (tenant: string) =>
      toBinary(DocumentDeletedSchema, create(DocumentDeletedSchema, { tenant, documentId: 'd1' }));
    const forged = decodeEvent(
      deleted,
      at(payload('globex'), { [EventHeaders.tenant]: 'acme' }, deleted.name),
    );
    assert.ok(!forged.ok);
    assert.match(forged.error.message, /payload's tenant "globex" is not the cairn-tenant header's "acme"/);
    const same = decodeEvent(deleted, at(payload('acme'), { [EventHeaders.tenant]: 'acme' }, deleted.name));
    assert.ok(same.ok);
    const unnamed = decodeEvent(deleted, at(payload(''), { [EventHeaders.tenant]: 'acme' }, deleted.name));
    assert.ok(unnamed.ok, 'a payload that names no tenant takes the header’s');
  });

  void it('accepts JSON from foreign producers on ingress topics only, deriving tenant and id', () => {
    const record = at(json({ tenant: 'acme', n: 1 }), { 'content-type': 'application/json' }, ingress.name);
    const decoded = decodeEvent(ingress, record);
    assert.ok(decoded.ok);
    assert.equal(decoded.event.tenant, 'acme');
    assert.equal(decoded.event.id, derivedEventId(record));
    assert.match(decoded.event.id, /^[0-9a-f]{32}$/);
    assert.equal(decoded.event.payload.fields['n']?.kind.value, 1);
    const internal = decodeEvent(defineTopic({ ...ingress, ingress: false }), record);
    assert.ok(!internal.ok);
    assert.match(internal.error.message, /not an ingress topic/);
    const broken = decodeEvent(
      ingress,
      at(new TextEncoder().encode('{"tenant":'), { 'content-type': 'application/json' }),
    );
    assert.ok(!broken.ok);
    assert.match(broken.error.message, /cannot decode JSON/);
  });

  void it('derives distinct ids for distinct coordinates', () => {
    assert.notEqual(
      derivedEventId({ topic: 't', partition: 0, offset: '1' }),
      derivedEventId({ topic: 't', partition: 1, offset: '0' }),
    );
  });

  void it('gives the same UUID for the same name and another for another name', () => {
    const id = stableEventId('run-1:step:0');
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(stableEventId('run-1:step:0'), id);
    assert.notEqual(stableEventId('run-1:step:1'), id);
  });
});
