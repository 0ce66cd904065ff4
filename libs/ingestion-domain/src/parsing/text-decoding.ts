import { TextDecoder } from 'node:util';
import { DocumentRejectedError } from './document-rejected.error.js';

/**
 * Decodes text given as bytes, strictly: malformed input is rejected rather than replaced.
 * A UTF-8 byte order mark is dropped.
 * @throws DocumentRejectedError CORRUPT_DOCUMENT on malformed bytes; UNSUPPORTED_MEDIA_TYPE on an unknown charset.
 */
export function decodeText(data: Uint8Array, charset = 'utf-8'): string {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset, { fatal: true });
  } catch (cause) {
    throw new DocumentRejectedError('UNSUPPORTED_MEDIA_TYPE', `charset "${charset}" is not supported`, {
      cause,
    });
  }
  try {
    return decoder.decode(data);
  } catch (cause) {
    throw new DocumentRejectedError('CORRUPT_DOCUMENT', `content is not valid ${decoder.encoding}`, {
      cause,
    });
  }
}

/** Size of the input in bytes: its byte length, or the UTF-8 length of text. */
export function inputByteLength(text: string | undefined, data: Uint8Array | undefined): number {
  if (data) return data.byteLength;
  return text === undefined ? 0 : Buffer.byteLength(text, 'utf8');
}
