import { createHash } from 'node:crypto';

/** A JSON value, as accepted in document metadata. */
export type JsonValue =
  null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** What a document version's content hash covers. */
export interface ContentHashInput {
  /** The parsed text. */
  readonly text: string;
  readonly title?: string;
  readonly metadata?: Readonly<Record<string, JsonValue>>;
}

/**
 * Lowercase hex SHA-256 of a version's parsed text, title and metadata (as canonical JSON: keys sorted),
 * so re-submitting identical content with identical metadata is recognised as unchanged.
 */
export function contentHash(input: ContentHashInput): string {
  const canonical = canonicalJson({
    metadata: input.metadata ?? {},
    text: input.text,
    title: input.title ?? '',
  });
  return createHash('sha256').update(canonical).digest('hex');
}

/** JSON with object keys sorted at every level and no insignificant whitespace. */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new RangeError(`not a JSON number: ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${(value as readonly JsonValue[]).map(canonicalJson).join(',')}]`;
  const obj = value as { readonly [key: string]: JsonValue };
  const keys = Object.keys(obj).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k]!)}`).join(',')}}`;
}
