import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create, createFileRegistry, setExtension, type DescMessage } from '@bufbuild/protobuf';
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  file_google_protobuf_wrappers,
  FileDescriptorProtoSchema,
  MessageOptionsSchema,
  StringValueSchema,
} from '@bufbuild/protobuf/wkt';
import {
  event,
  EventOptionsSchema,
  file_cairn_common_v1_options,
} from '@cairn/contracts/cairn/common/v1/options';
import { defineTopic, schemaVersionOf, topicFor } from './topic-spec.js';

/** Builds `cairn.test.v1.<name>` with fields tenant(1), thing_id(2), count(3) and the given event option. */
function eventMessage(
  name: string,
  option?: { topic: string; keyField: string; ingress?: boolean; description?: string },
): DescMessage {
  const options = create(MessageOptionsSchema);
  if (option) setExtension(options, event, create(EventOptionsSchema, option));
  const field = (fieldName: string, number: number, type: FieldDescriptorProto_Type) => ({
    name: fieldName,
    number,
    type,
    label: FieldDescriptorProto_Label.OPTIONAL,
    jsonName: fieldName,
  });
  const file = create(FileDescriptorProtoSchema, {
    name: `cairn/test/v1/${name.toLowerCase()}.proto`,
    package: 'cairn.test.v1',
    syntax: 'proto3',
    dependency: ['cairn/common/v1/options.proto', 'google/protobuf/wrappers.proto'],
    messageType: [
      {
        name,
        field: [
          field('tenant', 1, FieldDescriptorProto_Type.STRING),
          field('thing_id', 2, FieldDescriptorProto_Type.STRING),
          field('count', 3, FieldDescriptorProto_Type.INT64),
          {
            ...field('nested', 4, FieldDescriptorProto_Type.MESSAGE),
            typeName: '.google.protobuf.StringValue',
          },
        ],
        options,
      },
    ],
  });
  const deps = [file_cairn_common_v1_options, file_google_protobuf_wrappers];
  const registry = createFileRegistry(file, (dep) => deps.find((f) => f.proto.name === dep));
  const schema = registry.getMessage(`cairn.test.v1.${name}`);
  assert.ok(schema);
  return schema;
}

void describe('topicFor', () => {
  void it('reads topic, key field, ingress and description from the event option', () => {
    const schema = eventMessage('ThingHappened', {
      topic: 'cairn.test.thing-happened.v1',
      keyField: 'thing_id',
      ingress: true,
      description: 'A thing happened.',
    });
    const spec = topicFor(schema);
    assert.equal(spec.name, 'cairn.test.thing-happened.v1');
    assert.equal(spec.ingress, true);
    assert.equal(spec.description, 'A thing happened.');
    assert.equal(spec.key(create(schema, { thingId: 'thing-9' })), 'thing-9');
    assert.equal(topicFor(schema), spec, 'cached per schema');
    assert.equal(schemaVersionOf(schema), 'v1');
  });

  void it('accepts an integer key field', () => {
    const schema = eventMessage('Counted', { topic: 'cairn.test.counted.v1', keyField: 'count' });
    assert.equal(topicFor(schema).key(create(schema, { count: 42n })), '42');
  });

  void it('throws a clear error for a message without the option or with a bad key field', () => {
    assert.throws(
      () => topicFor(StringValueSchema),
      /google\.protobuf\.StringValue is not an event payload.*\(cairn\.common\.v1\.event\)/,
    );
    assert.throws(
      () => topicFor(eventMessage('NoKey', { topic: 'cairn.test.no-key.v1', keyField: 'missing' })),
      /"missing" is not a field/,
    );
    assert.throws(
      () => topicFor(eventMessage('MsgKey', { topic: 'cairn.test.msg-key.v1', keyField: 'nested' })),
      /string or integer/,
    );
    assert.throws(
      () => topicFor(eventMessage('NoTopic', { topic: '', keyField: 'thing_id' })),
      /topic is empty/,
    );
  });

  void it('validates ad-hoc topic names', () => {
    assert.throws(
      () => defineTopic({ name: 'bad topic', schema: StringValueSchema, key: (m) => m.value }),
      /invalid topic name/,
    );
    assert.equal(schemaVersionOf(StringValueSchema), 'unversioned');
  });
});
