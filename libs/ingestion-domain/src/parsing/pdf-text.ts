import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { DocumentRejectedError } from './document-rejected.error.js';
import type { ParsedDocument, Section } from './parsed-document.js';

interface TextItemLike {
  readonly str?: string;
  readonly hasEOL?: boolean;
}

/**
 * PDF through pdf.js, in the calling thread: the text layer page by page, pages joined by a blank
 * line, one section without headings per page. The title is the document information's Title.
 * pdf.js can leave rejected promises unhandled on some corrupt files, which ends a Node process:
 * run it where that cannot hurt ({@link parsePdf} runs it in a worker thread).
 * @throws DocumentRejectedError CORRUPT_DOCUMENT when pdf.js cannot read the file.
 */
export async function readPdfText(
  data: Uint8Array,
  maxPages = Number.POSITIVE_INFINITY,
): Promise<ParsedDocument> {
  // pdf.js takes ownership of (and detaches) the buffer it is given: hand it a copy.
  const task = getDocument({
    data: new Uint8Array(data),
    disableFontFace: true,
    useSystemFonts: false,
    stopAtErrors: true,
    verbosity: 0,
  });
  try {
    const pdf = await task.promise.catch((cause: unknown) => {
      throw new DocumentRejectedError('CORRUPT_DOCUMENT', `unreadable PDF: ${messageOf(cause)}`, { cause });
    });
    const pages: string[] = [];
    const count = Math.min(pdf.numPages, maxPages);
    for (let n = 1; n <= count; n++) {
      const page = await pdf.getPage(n);
      const content = await page.getTextContent();
      let text = '';
      for (const item of content.items as readonly TextItemLike[]) {
        text += item.str ?? '';
        if (item.hasEOL) text += '\n';
      }
      pages.push(text.replace(/[ \t]+\n/g, '\n').trim());
      page.cleanup();
    }
    const sections: Section[] = [];
    let text = '';
    for (const page of pages) {
      if (page.length === 0) continue;
      if (text.length > 0) text += '\n\n';
      sections.push({ headingPath: [], start: text.length, end: text.length + page.length });
      text += page;
    }
    const meta = await pdf.getMetadata().catch(() => undefined);
    const info = meta?.info as { Title?: unknown } | undefined;
    const title = typeof info?.Title === 'string' && info.Title.trim() ? info.Title.trim() : undefined;
    return title ? { text, title, sections } : { text, sections };
  } catch (cause) {
    if (cause instanceof DocumentRejectedError) throw cause;
    throw new DocumentRejectedError('CORRUPT_DOCUMENT', `unreadable PDF: ${messageOf(cause)}`, { cause });
  } finally {
    await task.destroy();
  }
}

function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
