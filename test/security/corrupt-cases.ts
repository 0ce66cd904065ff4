import type { Document } from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { minimalPdf } from '@cairn/ingestion-domain/testing';
import type { Prng } from '../support/prng.js';

export const MAX_DOCUMENT_BYTES = 8 * 1024;
export const COLLECTION = 'corrupt';
/** Every reason a parser gives for refusing a document. */
export const REJECTIONS = new Set([
  'UNSUPPORTED_MEDIA_TYPE',
  'CORRUPT_DOCUMENT',
  'DOCUMENT_TOO_LARGE',
  'EMPTY_DOCUMENT',
]);
const INVALID_UTF8 = Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xe2, 0x82]);

export type Content = Document['content'];
export const text = (value: string): Content => ({ case: 'text', value });
export const bytes = (value: Uint8Array): Content => ({ case: 'data', value });

/** A document a parser must refuse, with a marker word that must never become searchable. */
export interface CorruptCase {
  readonly what: string;
  readonly mimeType: string;
  readonly sourceUri?: string;
  readonly content: (marker: string) => Content;
  readonly reason: string;
}

const pdf = (marker: string): Uint8Array => minimalPdf([[`The ${marker} is in this PDF`]]);

/** Corrupt input for every parser, an oversized document, and unsupported types. */
export const CASES: readonly CorruptCase[] = [
  {
    what: 'text with invalid UTF-8',
    mimeType: 'text/plain',
    reason: 'CORRUPT_DOCUMENT',
    content: (m) => bytes(Buffer.concat([Buffer.from(`${m} `), INVALID_UTF8])),
  },
  {
    what: 'text in a charset nobody knows',
    mimeType: 'text/plain; charset=klingon',
    reason: 'UNSUPPORTED_MEDIA_TYPE',
    content: (m) => bytes(Buffer.from(`${m} in Klingon`)),
  },
  {
    what: 'Markdown with invalid UTF-8',
    mimeType: 'text/markdown',
    reason: 'CORRUPT_DOCUMENT',
    content: (m) => bytes(Buffer.concat([Buffer.from(`# ${m}\n\n`), INVALID_UTF8])),
  },
  {
    what: 'Markdown that is only structure',
    mimeType: 'text/markdown',
    reason: 'EMPTY_DOCUMENT',
    content: () => text('#\n##\n---\n```\n```\n> \n* \n'),
  },
  {
    what: 'HTML with invalid UTF-8',
    mimeType: 'text/html',
    reason: 'CORRUPT_DOCUMENT',
    content: (m) => bytes(Buffer.concat([Buffer.from(`<p>${m}</p>`), INVALID_UTF8])),
  },
  {
    what: 'HTML that is only script, style and navigation',
    mimeType: 'text/html',
    reason: 'EMPTY_DOCUMENT',
    content: (m) => text(`<html><script>var ${m} = 1;</script><style>.${m}{}</style><body><nav>menu</nav>`),
  },
  {
    what: 'a PDF cut in half',
    mimeType: 'application/pdf',
    reason: 'CORRUPT_DOCUMENT',
    content: (m) => bytes(pdf(m).slice(0, Math.floor(pdf(m).length / 2))),
  },
  {
    what: 'garbage after a PDF header',
    mimeType: 'application/pdf',
    reason: 'CORRUPT_DOCUMENT',
    content: (m) => bytes(Buffer.concat([Buffer.from(`%PDF-1.7\n${m}\n`), Buffer.alloc(200, 0xa5)])),
  },
  {
    what: 'a PDF sent as text',
    mimeType: 'application/pdf',
    reason: 'CORRUPT_DOCUMENT',
    content: (m) => text(Buffer.from(pdf(m)).toString('latin1')),
  },
  {
    what: 'a PDF without a text layer',
    mimeType: 'application/pdf',
    reason: 'EMPTY_DOCUMENT',
    content: () => bytes(minimalPdf([[]])),
  },
  {
    what: 'invalid JSON',
    mimeType: 'application/json',
    reason: 'CORRUPT_DOCUMENT',
    content: (m) => text(`{"title": "${m}", "items": [1, 2,`),
  },
  {
    // The parser's message quotes the first UTF-16 unit of the emoji, half a surrogate pair: grpc-js
    // could not send such a status and the call hung.
    what: 'invalid JSON whose parse error quotes half an emoji',
    mimeType: 'application/json',
    reason: 'CORRUPT_DOCUMENT',
    content: (m) => text(`💥 ${m}`),
  },
  {
    what: 'JSON with invalid UTF-8',
    mimeType: 'application/json',
    reason: 'CORRUPT_DOCUMENT',
    content: (m) => bytes(Buffer.concat([Buffer.from(`{"${m}": "`), INVALID_UTF8, Buffer.from('"}')])),
  },
  {
    what: 'text over the ingestion limit',
    mimeType: 'text/plain',
    reason: 'DOCUMENT_TOO_LARGE',
    content: (m) => text(`${m} `.repeat(Math.ceil((MAX_DOCUMENT_BYTES + 1) / (m.length + 1)))),
  },
  {
    what: 'a PDF over the ingestion limit',
    mimeType: 'application/pdf',
    reason: 'DOCUMENT_TOO_LARGE',
    content: (m) =>
      bytes(minimalPdf(Array.from({ length: 80 }, () => [`${m} fills a page of the large PDF`]))),
  },
  {
    what: 'a PNG image',
    mimeType: 'image/png',
    reason: 'UNSUPPORTED_MEDIA_TYPE',
    content: () => bytes(Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')),
  },
  {
    what: 'an executable by its file extension',
    mimeType: '',
    sourceUri: 'file:///tmp/setup.exe',
    reason: 'UNSUPPORTED_MEDIA_TYPE',
    content: (m) => bytes(Buffer.from(`MZ ${m}`)),
  },
];

/** Lenient parsers take broken but readable input: these are indexed, and are the control group. */
export const READABLE: ReadonlyArray<{
  what: string;
  mimeType: string;
  content: (marker: string) => Content;
}> = [
  {
    what: 'Markdown with unclosed constructs',
    mimeType: 'text/markdown',
    content: (m) => text(`[unclosed](\n**bold\n\`\`\`js\n${m} in a fence never closed`),
  },
  {
    what: 'HTML with half-open tags',
    mimeType: 'text/html',
    content: (m) => text(`<p>half <b>open <i>${m} tags`),
  },
  { what: 'a whole PDF', mimeType: 'application/pdf', content: (m) => bytes(pdf(m)) },
];

const MARKUP = [
  ...'<>/&#;*_[](){}":,.-=!`|\\ \n\t',
  'é',
  '💥',
  '\u0000',
  '\u202e',
  '<p>',
  '</',
  '# ',
  '```',
  '%PDF',
  '{"',
  '<script>',
  '<!--',
  'word',
];

/**
 * Random input for a parser, one of: raw bytes (mostly not UTF-8), valid UTF-8 soup of markup
 * characters and words (reaches the parser), or for PDF a whole document with bytes flipped.
 */
export function garbageFor(mimeType: string, rng: Prng): Buffer {
  const kind = rng.int(0, 2);
  if (kind === 0) return rng.bytes(rng.int(1, 2_000));
  if (kind === 1 || mimeType !== 'application/pdf')
    return Buffer.from(Array.from({ length: rng.int(1, 400) }, () => rng.pick(MARKUP)).join(''));
  const out = Buffer.from(minimalPdf([['a page of words'], ['another page']]));
  for (let i = rng.int(1, 12); i > 0; i--) out[rng.int(0, out.length - 1)] = rng.int(0, 255);
  return out;
}

/** The document of a corrupt case, named and marked by `marker`. */
export function documentOf(c: CorruptCase, marker: string) {
  return {
    collection: COLLECTION,
    externalId: marker,
    mimeType: c.mimeType,
    sourceUri: c.sourceUri ?? '',
    content: c.content(marker),
  };
}

/** A word that appears nowhere else: `zq` + letters only, so every tokenizer keeps it whole. */
export function markerOf(index: number, group: string): string {
  const letters = [...String(index)].map((d) => 'abcdefghij'[Number(d)]).join('');
  return `zq${group}${letters}marker`;
}
