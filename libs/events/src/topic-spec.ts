import {
  getOption,
  hasOption,
  ScalarType,
  type DescField,
  type DescMessage,
  type MessageShape,
} from '@bufbuild/protobuf';
import { event } from '@cairn/contracts/cairn/common/v1/options';
import type { TopicSpec } from './event-bus.port.js';

/** Arguments of `defineTopic`. */
export interface TopicDefinition<S extends DescMessage> {
  readonly name: string;
  readonly schema: S;
  readonly key: (message: MessageShape<S>) => string;
  readonly ingress?: boolean;
  readonly description?: string;
}

/** Declares an ad-hoc topic (tests, tools). Platform events use `topicFor(schema)`. */
export function defineTopic<S extends DescMessage>(definition: TopicDefinition<S>): TopicSpec<S> {
  assertTopicName(definition.name);
  return {
    name: definition.name,
    schema: definition.schema,
    key: definition.key,
    ingress: definition.ingress ?? false,
    ...(definition.description === undefined ? {} : { description: definition.description }),
  };
}

const fromOptions = new WeakMap<DescMessage, TopicSpec>();

/**
 * The topic of an event payload, read from its `(cairn.common.v1.event)` message option
 * (`topic`, `key_field`, `ingress`, `description`). Throws when the message declares no event
 * option or names a key field that is not a string or integer field of the message.
 */
export function topicFor<S extends DescMessage>(schema: S): TopicSpec<S> {
  const cached = fromOptions.get(schema);
  if (cached) return cached as unknown as TopicSpec<S>;
  if (!hasOption(schema, event)) {
    throw new Error(
      `${schema.typeName} is not an event payload: it declares no (cairn.common.v1.event) option; ` +
        'add one in its .proto file, or use defineTopic() for an ad-hoc topic',
    );
  }
  const options = getOption(schema, event);
  if (options.topic === '') throw new Error(`${schema.typeName}: (cairn.common.v1.event).topic is empty`);
  const keyField = findKeyField(schema, options.keyField);
  const spec = defineTopic<S>({
    name: options.topic,
    schema,
    key: (message) => readKey(message, keyField),
    ingress: options.ingress,
    ...(options.description === '' ? {} : { description: options.description }),
  });
  fromOptions.set(schema, spec);
  return spec;
}

/** Version of a payload schema: the `vN` segment of its protobuf package, else `unversioned`. */
export function schemaVersionOf(schema: DescMessage): string {
  const match = /(?:^|\.)(v\d+(?:(?:alpha|beta)\d*)?)\./.exec(schema.typeName);
  return match?.[1] ?? 'unversioned';
}

const KEY_SCALARS = new Set([
  ScalarType.STRING,
  ScalarType.INT32,
  ScalarType.INT64,
  ScalarType.UINT32,
  ScalarType.UINT64,
  ScalarType.SINT32,
  ScalarType.SINT64,
  ScalarType.FIXED32,
  ScalarType.FIXED64,
  ScalarType.SFIXED32,
  ScalarType.SFIXED64,
]);

function findKeyField(schema: DescMessage, keyField: string): DescField {
  const field = schema.fields.find((f) => f.name === keyField);
  if (!field) {
    throw new Error(
      `${schema.typeName}: (cairn.common.v1.event).key_field "${keyField}" is not a field of the message`,
    );
  }
  if (field.fieldKind !== 'scalar' || !KEY_SCALARS.has(field.scalar)) {
    throw new Error(`${schema.typeName}: key field "${keyField}" must be a singular string or integer field`);
  }
  return field;
}

function readKey(message: object, field: DescField): string {
  const value: unknown = (message as Record<string, unknown>)[field.localName];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return value.toString();
  return '';
}

// Kafka's legal topic characters; max 249.
function assertTopicName(name: string): void {
  if (!/^[a-zA-Z0-9._-]{1,249}$/.test(name)) {
    throw new Error(`invalid topic name "${name}": use [a-zA-Z0-9._-], at most 249 characters`);
  }
}
