/**
 * A span of a parsed document's text under one heading path.
 * Offsets are UTF-16 code units into {@link ParsedDocument.text}; `end` is exclusive.
 */
export interface Section {
  /** Headings enclosing the span, outermost first; empty before the first heading. */
  readonly headingPath: readonly string[];
  readonly start: number;
  readonly end: number;
}

/** The text extracted from a document, with its title and heading structure. */
export interface ParsedDocument {
  readonly text: string;
  readonly title?: string;
  /** Non-overlapping, in text order; text outside every section is whitespace only. */
  readonly sections: readonly Section[];
}

/** A document to parse: its content as text or bytes, and what it is. */
export interface ParseInput {
  /** Media type (parameters such as `charset` allowed); empty = inferred from `sourceUri`/content. */
  readonly mimeType: string;
  readonly text?: string;
  readonly data?: Uint8Array;
  readonly sourceUri?: string;
}

/** Limits applied before and while parsing. */
export interface ParseLimits {
  /** Largest accepted input, in bytes (UTF-8 bytes for `text`). */
  readonly maxBytes: number;
  /** Largest number of PDF pages read (default: unlimited). */
  readonly maxPdfPages?: number;
}
