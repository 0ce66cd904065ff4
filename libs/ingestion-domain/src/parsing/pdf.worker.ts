import { parentPort } from 'node:worker_threads';
import { DocumentRejectedError } from './document-rejected.error.js';
import type { ParsedDocument } from './parsed-document.js';
import { readPdfText } from './pdf-text.js';

/** A PDF to read, from {@link PdfReaderThread}. */
export interface PdfReadRequest {
  readonly id: number;
  readonly data: Uint8Array;
  readonly maxPages: number;
}

/** The worker's answers: a document read, why one could not be, or a problem pdf.js left behind. */
export type PdfWorkerMessage =
  | { readonly kind: 'read'; readonly id: number; readonly parsed: ParsedDocument }
  | {
      readonly kind: 'refused';
      readonly id: number;
      readonly reason: DocumentRejectedError['reason'];
      readonly message: string;
    }
  | { readonly kind: 'warning'; readonly message: string };

const port = parentPort;
if (port) {
  // pdf.js leaves some rejected promises unhandled on corrupt files, after the document's outcome
  // was already reported. In the main thread they would end the process; this thread runs nothing
  // but pdf.js, so they are passed on as warnings and the thread keeps serving.
  process.on('unhandledRejection', (reason) =>
    port.postMessage({
      kind: 'warning',
      message: `pdf.js left a rejection unhandled: ${reason instanceof Error ? reason.message : String(reason)}`,
    } satisfies PdfWorkerMessage),
  );
  port.on('message', ({ id, data, maxPages }: PdfReadRequest) => {
    readPdfText(data, maxPages).then(
      (parsed) => port.postMessage({ kind: 'read', id, parsed } satisfies PdfWorkerMessage),
      (error: unknown) =>
        port.postMessage({
          kind: 'refused',
          id,
          reason: error instanceof DocumentRejectedError ? error.reason : 'CORRUPT_DOCUMENT',
          message: error instanceof Error ? error.message : String(error),
        } satisfies PdfWorkerMessage),
    );
  });
}
