import { toJsonString, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import type { OutputStream } from '../io.js';

/**
 * Writes `message` as protobuf JSON (the canonical mapping: lowerCamelCase names, enums by name,
 * 64-bit integers and bytes as strings), with default values included so scripts need no fallbacks.
 * `line` writes it on one line (a stream of messages, one per line).
 */
export function writeJson<D extends DescMessage>(
  out: OutputStream,
  schema: D,
  message: MessageShape<D>,
  options: { readonly line?: boolean } = {},
): void {
  const json = toJsonString(schema, message, {
    alwaysEmitImplicit: true,
    ...(options.line ? {} : { prettySpaces: 2 }),
  });
  out.write(`${json}\n`);
}

/** Writes a plain value as indented JSON (for outputs that are not one response, like the ingest summary). */
export function writePlainJson(out: OutputStream, value: unknown): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}
