import type { ParsedDocument, Section } from './parsed-document.js';

interface OpenHeading {
  readonly level: number;
  readonly text: string;
}

/**
 * Assembles extracted text block by block and records the heading sections as it goes.
 * Blocks are separated by a blank line, or by one newline between two "tight" blocks (list items, table rows).
 */
export class TextBuilder {
  private readonly parts: string[] = [];
  private length = 0;
  private lastTight = false;
  private readonly headings: OpenHeading[] = [];
  private readonly sections: Section[] = [];
  private sectionPath: string[] = [];
  private sectionStart = -1;
  private sectionEnd = -1;

  /** Appends a block of text (ignored when blank). Returns its start offset, or -1. */
  block(text: string, tight = false): number {
    const trimmed = trimBlock(text);
    if (trimmed.length === 0) return -1;
    if (this.length > 0) this.append(tight && this.lastTight ? '\n' : '\n\n');
    const start = this.length;
    this.append(trimmed);
    this.lastTight = tight;
    if (this.sectionStart < 0) this.sectionStart = start;
    this.sectionEnd = this.length;
    return start;
  }

  /** Opens a heading of `level` (1 = outermost): closes the current section, starts a new one with the heading's text. */
  heading(level: number, text: string, emitText = true): void {
    const title = text.replace(/\s+/g, ' ').trim();
    this.closeSection();
    while (this.headings.length > 0 && this.headings[this.headings.length - 1]!.level >= level)
      this.headings.pop();
    if (title.length > 0) this.headings.push({ level, text: title });
    this.sectionPath = this.headings.map((h) => h.text);
    if (emitText) this.block(title);
  }

  /** The text built so far and its sections. */
  build(title: string | undefined): ParsedDocument {
    this.closeSection();
    const text = this.parts.join('');
    const cleanTitle = title?.replace(/\s+/g, ' ').trim();
    return cleanTitle
      ? { text, title: cleanTitle, sections: this.sections }
      : { text, sections: this.sections };
  }

  private closeSection(): void {
    if (this.sectionStart >= 0) {
      this.sections.push({ headingPath: this.sectionPath, start: this.sectionStart, end: this.sectionEnd });
    }
    this.sectionStart = -1;
    this.sectionEnd = -1;
  }

  private append(s: string): void {
    this.parts.push(s);
    this.length += s.length;
  }
}

/** Drops blank leading/trailing lines and trailing whitespace, keeping the indentation of the first line. */
function trimBlock(text: string): string {
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 10) start = i + 1;
    else if (c !== 32 && c !== 9 && c !== 13) break;
    i++;
  }
  if (i === text.length) return '';
  return text.slice(start).trimEnd();
}
