import { DocumentRejectedError } from './document-rejected.error.js';

/** The media types {@link parseDocument} understands. */
export const SUPPORTED_MEDIA_TYPES = [
  'text/plain',
  'text/markdown',
  'text/html',
  'application/pdf',
  'application/json',
] as const;

/** One of {@link SUPPORTED_MEDIA_TYPES}. */
export type SupportedMediaType = (typeof SUPPORTED_MEDIA_TYPES)[number];

const ALIASES: Readonly<Record<string, SupportedMediaType>> = {
  'text/plain': 'text/plain',
  'text/markdown': 'text/markdown',
  'text/x-markdown': 'text/markdown',
  'text/html': 'text/html',
  'application/xhtml+xml': 'text/html',
  'application/pdf': 'application/pdf',
  'application/json': 'application/json',
  'text/json': 'application/json',
};

const EXTENSIONS: Readonly<Record<string, SupportedMediaType>> = {
  txt: 'text/plain',
  text: 'text/plain',
  md: 'text/markdown',
  markdown: 'text/markdown',
  html: 'text/html',
  htm: 'text/html',
  xhtml: 'text/html',
  pdf: 'application/pdf',
  json: 'application/json',
};

/** A media type split into its essence and its `charset` parameter. */
export interface ResolvedMediaType {
  readonly type: SupportedMediaType;
  readonly charset?: string;
}

/**
 * Resolves the media type of a document: the declared one when given, else the source URI's extension,
 * else sniffed from the content (`%PDF-` → PDF, anything else → plain text).
 * @throws DocumentRejectedError UNSUPPORTED_MEDIA_TYPE when the declared or inferred type is not supported.
 */
export function resolveMediaType(
  declared: string,
  sourceUri: string | undefined,
  data: Uint8Array | undefined,
): ResolvedMediaType {
  const [essenceRaw = '', ...params] = declared.split(';');
  const essence = essenceRaw.trim().toLowerCase();
  const charset = params
    .map((p) => p.trim())
    .find((p) => p.toLowerCase().startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/^"|"$/g, '');
  if (essence.length > 0) {
    const type = ALIASES[essence];
    if (!type)
      throw new DocumentRejectedError('UNSUPPORTED_MEDIA_TYPE', `media type "${essence}" is not supported`);
    return charset ? { type, charset } : { type };
  }
  const ext = extensionOf(sourceUri);
  if (ext !== undefined) {
    const type = EXTENSIONS[ext];
    if (!type)
      throw new DocumentRejectedError('UNSUPPORTED_MEDIA_TYPE', `file extension ".${ext}" is not supported`);
    return { type };
  }
  if (data && startsWithPdfMagic(data)) return { type: 'application/pdf' };
  return { type: 'text/plain' };
}

function extensionOf(uri: string | undefined): string | undefined {
  if (!uri) return undefined;
  const path = uri.split(/[?#]/, 1)[0] ?? '';
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : undefined;
}

function startsWithPdfMagic(data: Uint8Array): boolean {
  const magic = [0x25, 0x50, 0x44, 0x46, 0x2d]; // %PDF-
  return magic.every((b, i) => data[i] === b);
}
