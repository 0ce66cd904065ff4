import { DocumentStatus, type IngestResponse } from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { Status } from '@cairn/grpc';
import { columns, count } from '../../render/text.js';

/** Why one document failed: the gRPC code name, the reason and the message (from the server or the CLI). */
export interface DocumentFailure {
  readonly code: string;
  readonly reason: string;
  readonly message: string;
}

/** The outcome of one file. */
export type DocumentOutcome =
  | { readonly name: string; readonly ingested: IngestResponse }
  | { readonly name: string; readonly failure: DocumentFailure };

/** What `cairn ingest` prints at the end (and as JSON with --json). */
export interface IngestSummary {
  readonly collection: string;
  /** Files attempted: ingested + unchanged + failed. */
  readonly documents: number;
  /** Stored as a new version. */
  readonly ingested: number;
  readonly unchanged: number;
  readonly failed: number;
  /** Files of other types passed over in directories and globs. */
  readonly skipped: number;
  /** Chunks of the documents ingested or unchanged, and how many of them are new. */
  readonly chunks: number;
  readonly newChunks: number;
  readonly results: readonly DocumentOutcome[];
}

/** Adds up outcomes as they arrive. */
export class IngestTally {
  private readonly results: DocumentOutcome[] = [];

  constructor(
    private readonly collection: string,
    private readonly skipped: number,
  ) {}

  ingested(name: string, response: IngestResponse): void {
    this.results.push({ name, ingested: response });
  }

  failed(name: string, failure: DocumentFailure): void {
    this.results.push({ name, failure });
  }

  /** The documents ingested or unchanged: what `--wait` waits for. */
  accepted(): { readonly name: string; readonly documentId: string; readonly version: number }[] {
    return this.results.flatMap((result) =>
      'ingested' in result
        ? [{ name: result.name, documentId: result.ingested.documentId, version: result.ingested.version }]
        : [],
    );
  }

  get failedCount(): number {
    return this.results.filter((result) => 'failure' in result).length;
  }

  get size(): number {
    return this.results.length;
  }

  summary(): IngestSummary {
    const done = this.results.flatMap((result) => ('ingested' in result ? [result.ingested] : []));
    const unchanged = done.filter((response) => response.unchanged).length;
    return {
      collection: this.collection,
      documents: this.results.length,
      ingested: done.length - unchanged,
      unchanged,
      failed: this.results.length - done.length,
      skipped: this.skipped,
      chunks: done.reduce((sum, response) => sum + response.chunkCount, 0),
      newChunks: done.reduce((sum, response) => sum + response.newChunkCount, 0),
      results: [...this.results],
    };
  }
}

/** The counts, then each failure with its reason. */
export function renderIngestSummary(summary: IngestSummary): string {
  const lines = [
    `${count(summary.documents, 'document')} into collection ${summary.collection}:`,
    ...columns(
      [
        ['ingested', String(summary.ingested), '(new or changed)'],
        ['unchanged', String(summary.unchanged)],
        ['failed', String(summary.failed)],
        ['chunks', String(summary.chunks), `(${summary.newChunks} new)`],
        ...(summary.skipped > 0 ? [['skipped', String(summary.skipped), '(files of other types)']] : []),
      ],
      '  ',
    ),
  ];
  const failures = summary.results.flatMap((result) => ('failure' in result ? [result] : []));
  if (failures.length > 0) {
    lines.push('failed:');
    for (const { name, failure } of failures)
      lines.push(`  ${name}: ${failure.reason || failure.code}: ${failure.message}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The summary as plain JSON: counts, and per file its document id and version or its failure. */
export function ingestSummaryJson(summary: IngestSummary): Record<string, unknown> {
  return {
    ...summary,
    results: summary.results.map((result) =>
      'ingested' in result
        ? {
            name: result.name,
            documentId: result.ingested.documentId,
            version: result.ingested.version,
            status: `DOCUMENT_STATUS_${DocumentStatus[result.ingested.status] ?? 'UNSPECIFIED'}`,
            unchanged: result.ingested.unchanged,
            chunkCount: result.ingested.chunkCount,
            newChunkCount: result.ingested.newChunkCount,
            requestId: result.ingested.requestId,
          }
        : { name: result.name, error: result.failure },
    ),
  };
}

/** The name of a gRPC status code number (`INVALID_ARGUMENT`). */
export function codeName(code: number): string {
  return Status[code] ?? `CODE_${code}`;
}
