import {
  create,
  ScalarType,
  toBinary,
  type DescEnum,
  type DescField,
  type DescMessage,
} from '@bufbuild/protobuf';
import type { Prng } from './prng.js';

const WORDS = [
  'alpha',
  'tenant',
  'default',
  '',
  'x',
  '../../etc/passwd',
  '%00',
  '💥',
  'a'.repeat(300),
  'NaN',
];

/** The kinds of request bytes {@link fuzzRequest} makes. */
export const FUZZ_KINDS = ['random-message', 'random-bytes', 'random-wire', 'mutated-message'] as const;
export type FuzzKind = (typeof FUZZ_KINDS)[number];

/**
 * Request bytes for `schema` of one kind:
 * - `random-message`: a well-formed message of the type with random field values (reaches the handler);
 * - `random-bytes`: uniform random bytes;
 * - `random-wire`: a random sequence of protobuf tags and values, lengths sometimes past the end;
 * - `mutated-message`: a random well-formed message with bytes flipped, cut short or inserted.
 */
export function fuzzRequest(schema: DescMessage, kind: FuzzKind, rng: Prng): Buffer {
  switch (kind) {
    case 'random-message':
      return encodeRandom(schema, rng);
    case 'random-bytes':
      return rng.bytes(rng.int(1, 512));
    case 'random-wire':
      return randomWire(rng, 0);
    case 'mutated-message':
      return mutate(encodeRandom(schema, rng), rng);
  }
}

function encodeRandom(schema: DescMessage, rng: Prng): Buffer {
  return Buffer.from(toBinary(schema, create(schema, randomInit(schema, rng, 0))));
}

/** A random init object of `schema`; the tenant field is left empty (a foreign tenant is refused before any handler). */
export function randomInit(schema: DescMessage, rng: Prng, depth: number): Record<string, unknown> {
  const init: Record<string, unknown> = {};
  for (const member of schema.members) {
    if (member.kind === 'oneof') {
      if (rng.chance(0.2)) continue;
      const field = rng.pick(member.fields);
      init[member.localName] = { case: field.localName, value: singular(field, rng, depth) };
      continue;
    }
    if (member.name === 'tenant' || rng.chance(0.3)) continue;
    const field = member;
    if (field.fieldKind === 'list') {
      init[field.localName] = Array.from({ length: rng.int(0, 3) }, () => singular(field, rng, depth));
    } else if (field.fieldKind === 'map') {
      const map: Record<string, unknown> = {};
      for (let i = rng.int(0, 3); i > 0; i--)
        map[String(scalar(field.mapKey, rng))] = singular(field, rng, depth);
      init[field.localName] = map;
    } else if (field.fieldKind !== 'message' || depth < 3) {
      init[field.localName] = singular(field, rng, depth);
    }
  }
  return init;
}

/** One value of a field (an element, for lists and maps). */
function singular(field: DescField, rng: Prng, depth: number): unknown {
  const message = field.fieldKind === 'message' ? field.message : undefined;
  const listOrMapMessage =
    (field.fieldKind === 'list' && field.listKind === 'message') ||
    (field.fieldKind === 'map' && field.mapKind === 'message')
      ? field.message
      : undefined;
  const nested = message ?? listOrMapMessage;
  if (nested) return depth >= 3 ? {} : randomInit(nested, rng, depth + 1);
  const enumType =
    field.fieldKind === 'enum' ||
    (field.fieldKind === 'list' && field.listKind === 'enum') ||
    (field.fieldKind === 'map' && field.mapKind === 'enum')
      ? field.enum
      : undefined;
  if (enumType) return enumValue(enumType, rng);
  return scalar(field.scalar ?? ScalarType.STRING, rng);
}

function enumValue(type: DescEnum, rng: Prng): number {
  // Open enums: an unknown number is a valid value on the wire.
  return rng.chance(0.2) ? rng.int(-5, 1000) : rng.pick(type.values).number;
}

function scalar(type: ScalarType, rng: Prng): unknown {
  switch (type) {
    case ScalarType.STRING:
      return rng.chance(0.5) ? rng.pick(WORDS) : rng.bytes(rng.int(0, 40)).toString('latin1');
    case ScalarType.BYTES:
      return new Uint8Array(rng.bytes(rng.int(0, 64)));
    case ScalarType.BOOL:
      return rng.chance(0.5);
    case ScalarType.DOUBLE:
      return rng.pick([0, -1, 0.5, 1e308, -1e-308, Number.NaN, Number.POSITIVE_INFINITY, rng.next() * 1e6]);
    case ScalarType.FLOAT:
      return rng.pick([0, -1, 0.5, 3.4e38, -1e-38, Number.NaN, Number.NEGATIVE_INFINITY, rng.next() * 1e6]);
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return rng.pick([0n, -1n, 9223372036854775807n, -9223372036854775808n, BigInt(rng.int(0, 1e9))]);
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return rng.pick([0n, 1n, 18446744073709551615n, BigInt(rng.int(0, 1e9))]);
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return rng.pick([0, 1, 4294967295, rng.int(0, 100_000)]);
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return rng.pick([0, -1, 2147483647, -2147483648, rng.int(-1000, 100_000)]);
  }
}

/** Random protobuf-looking bytes: tags of random field numbers and wire types, values that may run past the end. */
function randomWire(rng: Prng, depth: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = rng.int(1, 8); i > 0; i--) {
    const fieldNo = rng.chance(0.8) ? rng.int(1, 20) : rng.int(0, 536_870_911);
    const wireType = rng.chance(0.9) ? rng.pick([0, 1, 2, 5]) : rng.pick([3, 4, 6, 7]);
    parts.push(varint((fieldNo * 8 + wireType) >>> 0));
    if (wireType === 0) parts.push(rng.chance(0.9) ? varint(rng.int(0, 2 ** 31)) : Buffer.alloc(11, 0xff));
    else if (wireType === 1) parts.push(rng.bytes(rng.chance(0.9) ? 8 : rng.int(0, 7)));
    else if (wireType === 5) parts.push(rng.bytes(rng.chance(0.9) ? 4 : rng.int(0, 3)));
    else if (wireType === 2) {
      const body = depth < 2 && rng.chance(0.3) ? randomWire(rng, depth + 1) : rng.bytes(rng.int(0, 30));
      const claimed = rng.chance(0.8) ? body.length : rng.int(0, 2 ** 31);
      parts.push(varint(claimed), body);
    }
  }
  return Buffer.concat(parts);
}

function mutate(bytes: Buffer, rng: Prng): Buffer {
  const out = Buffer.from(bytes);
  switch (rng.int(0, 2)) {
    case 0:
      for (let i = rng.int(1, 4); i > 0 && out.length > 0; i--)
        out[rng.int(0, out.length - 1)] = rng.int(0, 255);
      return out;
    case 1:
      return out.subarray(0, rng.int(0, Math.max(0, out.length - 1)));
    default: {
      const at = rng.int(0, out.length);
      return Buffer.concat([out.subarray(0, at), rng.bytes(rng.int(1, 8)), out.subarray(at)]);
    }
  }
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let v = value;
  while (v > 0x7f) {
    bytes.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}
