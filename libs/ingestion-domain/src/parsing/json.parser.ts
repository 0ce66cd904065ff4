import { DocumentRejectedError } from './document-rejected.error.js';
import type { ParsedDocument } from './parsed-document.js';
import { TextBuilder } from './text-builder.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * JSON flattened to `path: value` lines (`a.b[0].c: value`). A top-level object gets one section per key,
 * headed by the key. The title is a top-level string `title` property.
 * @throws DocumentRejectedError CORRUPT_DOCUMENT on invalid JSON.
 */
export function parseJson(source: string): ParsedDocument {
  let value: Json;
  try {
    value = JSON.parse(source) as Json;
  } catch (cause) {
    throw new DocumentRejectedError('CORRUPT_DOCUMENT', `invalid JSON: ${(cause as Error).message}`, {
      cause,
    });
  }
  const out = new TextBuilder();
  if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      out.heading(1, key, false);
      out.block(flatten(child, pathKey('', key)).join('\n'));
    }
  } else {
    out.block(flatten(value, '').join('\n'));
  }
  const title = isObject(value) && typeof value['title'] === 'string' ? value['title'] : undefined;
  return out.build(title);
}

/** Leaves of `root` as `path: value` lines, depth-first in document order (iterative: no stack overflow on deep input). */
function flatten(root: Json, rootPath: string): string[] {
  const lines: string[] = [];
  const stack: Array<[string, Json]> = [[rootPath, root]];
  while (stack.length > 0) {
    const [path, value] = stack.pop()!;
    const label = path === '' ? '$' : path;
    if (Array.isArray(value)) {
      if (value.length === 0) lines.push(`${label}: []`);
      for (let i = value.length - 1; i >= 0; i--) stack.push([`${path}[${i}]`, value[i]!]);
    } else if (isObject(value)) {
      const entries = Object.entries(value);
      if (entries.length === 0) lines.push(`${label}: {}`);
      for (let i = entries.length - 1; i >= 0; i--)
        stack.push([pathKey(path, entries[i]![0]), entries[i]![1]]);
    } else {
      lines.push(`${label}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
    }
  }
  return lines;
}

function pathKey(parent: string, key: string): string {
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

function isObject(value: Json): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
