import { Worker } from 'node:worker_threads';
import { DocumentRejectedError } from './document-rejected.error.js';
import type { ParsedDocument } from './parsed-document.js';
import type { PdfReadRequest, PdfWorkerMessage } from './pdf.worker.js';

/** How long one PDF may take before it is refused. */
const PDF_TIMEOUT_MS = 60_000;
/** Heap of the thread reading PDFs: a hostile file exhausts that thread, not the service. */
const PDF_WORKER_HEAP_MB = 512;

interface Pending {
  readonly resolve: (parsed: ParsedDocument) => void;
  readonly reject: (error: DocumentRejectedError) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * A worker thread that reads PDFs with pdf.js ({@link readPdfText}), started on first use and
 * again after it stops. Whatever pdf.js does on a hostile file — leave rejections unhandled, loop,
 * blow up its heap — stays in that thread: the document is refused, the process carries on. A
 * PDF that takes too long restarts the thread, refusing the PDFs it was reading at the time.
 */
class PdfReaderThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  read(data: Uint8Array, maxPages: number): Promise<ParsedDocument> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<ParsedDocument>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.stop(worker, corrupt(`a PDF read at the same time took longer than ${PDF_TIMEOUT_MS / 1000} s`));
      }, PDF_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      worker.postMessage({ id, data, maxPages } satisfies PdfReadRequest);
    });
  }

  private start(): Worker {
    const worker = new Worker(new URL('./pdf.worker.js', import.meta.url), {
      resourceLimits: { maxOldGenerationSizeMb: PDF_WORKER_HEAP_MB },
    });
    worker.on('message', (message: PdfWorkerMessage) => this.answer(message));
    worker.on('error', (error: Error) =>
      this.stop(worker, corrupt(`unreadable PDF: ${error.message}`, error)),
    );
    worker.on('exit', (code) =>
      this.stop(worker, corrupt(`unreadable PDF: the PDF reader stopped (exit ${code})`)),
    );
    // The thread does not keep the process alive (unref after the listeners: adding one refs again).
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private answer(message: PdfWorkerMessage): void {
    if (message.kind === 'warning') {
      process.emitWarning(message.message, 'CairnPdfWarning');
      return;
    }
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    clearTimeout(pending.timer);
    if (message.kind === 'read') pending.resolve(message.parsed);
    else pending.reject(new DocumentRejectedError(message.reason, message.message));
  }

  /** Ends `worker` (if it is still the current one) and refuses everything it was reading. */
  private stop(worker: Worker, error: DocumentRejectedError): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.pending.clear();
    void worker.terminate();
  }
}

const reader = new PdfReaderThread();

/**
 * PDF text through pdf.js, in a worker thread shared by the process (see {@link PdfReaderThread}).
 * @throws DocumentRejectedError CORRUPT_DOCUMENT when the file cannot be read.
 */
export function parsePdf(data: Uint8Array, maxPages = Number.POSITIVE_INFINITY): Promise<ParsedDocument> {
  return reader.read(data, maxPages);
}

function corrupt(message: string, cause?: unknown): DocumentRejectedError {
  return new DocumentRejectedError('CORRUPT_DOCUMENT', message, cause === undefined ? undefined : { cause });
}
