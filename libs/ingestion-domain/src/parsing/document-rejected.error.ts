/** Why a document cannot be ingested. */
export type DocumentRejectionReason =
  'UNSUPPORTED_MEDIA_TYPE' | 'CORRUPT_DOCUMENT' | 'DOCUMENT_TOO_LARGE' | 'EMPTY_DOCUMENT';

/**
 * A document was refused: retrying the same input gives the same outcome.
 * Parsers throw this (and nothing partial is returned) for every input-caused failure.
 */
export class DocumentRejectedError extends Error {
  override readonly name = 'DocumentRejectedError';

  constructor(
    readonly reason: DocumentRejectionReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
