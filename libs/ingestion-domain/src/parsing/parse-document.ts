import { DocumentRejectedError } from './document-rejected.error.js';
import { parseHtml } from './html.parser.js';
import { parseJson } from './json.parser.js';
import { parseMarkdown } from './markdown.parser.js';
import { resolveMediaType } from './media-type.js';
import type { ParseInput, ParseLimits, ParsedDocument } from './parsed-document.js';
import { parsePdf } from './pdf.parser.js';
import { parsePlainText } from './plain-text.parser.js';
import { decodeText, inputByteLength } from './text-decoding.js';

/**
 * Extracts the text, title and heading sections of a document.
 * Supported: text/plain, text/markdown, text/html, application/pdf, application/json.
 * @throws DocumentRejectedError for unsupported types, corrupt or oversized input, or no extractable text;
 *   nothing partial is returned.
 */
export async function parseDocument(input: ParseInput, limits: ParseLimits): Promise<ParsedDocument> {
  const size = inputByteLength(input.text, input.data);
  if (size > limits.maxBytes) {
    throw new DocumentRejectedError(
      'DOCUMENT_TOO_LARGE',
      `document is ${size} bytes, the limit is ${limits.maxBytes}`,
    );
  }
  const { type, charset } = resolveMediaType(input.mimeType, input.sourceUri, input.data);
  let parsed: ParsedDocument;
  if (type === 'application/pdf') {
    if (!input.data)
      throw new DocumentRejectedError('CORRUPT_DOCUMENT', 'a PDF must be given as bytes, not text');
    parsed = await parsePdf(input.data, limits.maxPdfPages);
  } else {
    const source = input.data ? decodeText(input.data, charset) : (input.text ?? '');
    parsed = parseText(type, source);
  }
  if (parsed.sections.length === 0 || parsed.text.trim().length === 0) {
    throw new DocumentRejectedError('EMPTY_DOCUMENT', `no text could be extracted from the ${type} document`);
  }
  return parsed;
}

function parseText(
  type: Exclude<ReturnType<typeof resolveMediaType>['type'], 'application/pdf'>,
  source: string,
): ParsedDocument {
  switch (type) {
    case 'text/plain':
      return parsePlainText(source);
    case 'text/markdown':
      return parseMarkdown(source);
    case 'text/html':
      return parseHtml(source);
    case 'application/json':
      return parseJson(source);
  }
}
