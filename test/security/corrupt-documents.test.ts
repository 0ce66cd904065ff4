import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuditService } from '@cairn/contracts/cairn/audit/v1/audit';
import { Role } from '@cairn/contracts/cairn/common/v1/options';
import {
  DocumentStatus,
  IngestionService,
  type Document,
} from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { RetrievalService, SearchMode } from '@cairn/contracts/cairn/retrieval/v1/retrieval';
import { createGrpcClient, GrpcError, Status, type GrpcClient } from '@cairn/grpc';
import { minimalPdf } from '@cairn/ingestion-domain/testing';
import { waitFor } from '@cairn/testing';
import { propertySeed, type Prng } from '../support/prng.js';
import { startSecuredAllInOne, type SecuredProcess } from './harness.js';

const MAX_DOCUMENT_BYTES = 8 * 1024;
const COLLECTION = 'corrupt';
/** Every reason a parser gives for refusing a document. */
const REJECTIONS = new Set([
  'UNSUPPORTED_MEDIA_TYPE',
  'CORRUPT_DOCUMENT',
  'DOCUMENT_TOO_LARGE',
  'EMPTY_DOCUMENT',
]);
const INVALID_UTF8 = Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xe2, 0x82]);

type Content = Document['content'];
const text = (value: string): Content => ({ case: 'text', value });
const bytes = (value: Uint8Array): Content => ({ case: 'data', value });

/** A document a parser must refuse, with a marker word that must never become searchable. */
interface CorruptCase {
  readonly what: string;
  readonly mimeType: string;
  readonly sourceUri?: string;
  readonly content: (marker: string) => Content;
  readonly reason: string;
}

const pdf = (marker: string): Uint8Array => minimalPdf([[`The ${marker} is in this PDF`]]);

/** Corrupt input for every parser, an oversized document, and unsupported types. */
const CASES: readonly CorruptCase[] = [
  {
    what: 'text with invalid UTF-8',
    mimeType: 'text/plain',
    reason: 'CORRUPT_DOCUMENT',
    content: (m) => bytes(Buffer.concat([Buffer.from(`${m} `), INVALID_UTF8])),
  },
  {
    what: 'text in a charset nobody knows',
    mimeType: 'text/plain; charset=klingon',
    reason: 'UNSUPPORTED_MEDIA_TYPE',
    content: (m) => bytes(Buffer.from(`${m} in Klingon`)),
  },
  {
    what: 'Markdown with invalid UTF-8',
    mimeType: 'text/markdown',
    reason: 'CORRUPT_DOCUMENT',
    content: (m) => bytes(Buffer.concat([Buffer.from(`# ${m}\n\n`), INVALID_UTF8])),
  },
  {
    what: 'Markdown that is only structure',
    mimeType: 'text/markdown',
    reason: 'EMPTY_DOCUMENT',
    content: () => text('#\n##\n---\n```\n```\n> \n* \n'),
  },
  {
    what: 'HTML with invalid UTF-8',
    mimeType: 'text/html',
    reason: 'CORRUPT_DOCUMENT',
    content: (m) => bytes(Buffer.concat([Buffer.from(`<p>${m}</p>`), INVALID_UTF8])),
  },
  {
    what: 'HTML that is only script, style and navigation',
    mimeType: 'text/html',
    reason: 'EMPTY_DOCUMENT',
    content: (m) => text(`<html><script>var ${m} = 1;</script><style>.${m}{}</style><body><nav>menu</nav>`),
  },
  {
    what: 'a PDF cut in half',
    mimeType: 'application/pdf',
    reason: 'CORRUPT_DOCUMENT',
    content: (m) => bytes(pdf(m).slice(0, Math.floor(pdf(m).length / 2))),
  },
  {
    what: 'garbage after a PDF header',
    mimeType: 'application/pdf',
    reason: 'CORRUPT_DOCUMENT',
    content: (m) => bytes(Buffer.concat([Buffer.from(`%PDF-1.7\n${m}\n`), Buffer.alloc(200, 0xa5)])),
  },
  {
    what: 'a PDF sent as text',
    mimeType: 'application/pdf',
    reason: 'CORRUPT_DOCUMENT',
    content: (m) => text(Buffer.from(pdf(m)).toString('latin1')),
  },
  {
    what: 'a PDF without a text layer',
    mimeType: 'application/pdf',
    reason: 'EMPTY_DOCUMENT',
    content: () => bytes(minimalPdf([[]])),
  },
  {
    what: 'invalid JSON',
    mimeType: 'application/json',
    reason: 'CORRUPT_DOCUMENT',
    content: (m) => text(`{"title": "${m}", "items": [1, 2,`),
  },
  {
    // The parser's message quotes the first UTF-16 unit of the emoji, half a surrogate pair: grpc-js
    // could not send such a status and the call hung.
    what: 'invalid JSON whose parse error quotes half an emoji',
    mimeType: 'application/json',
    reason: 'CORRUPT_DOCUMENT',
    content: (m) => text(`💥 ${m}`),
  },
  {
    what: 'JSON with invalid UTF-8',
    mimeType: 'application/json',
    reason: 'CORRUPT_DOCUMENT',
    content: (m) => bytes(Buffer.concat([Buffer.from(`{"${m}": "`), INVALID_UTF8, Buffer.from('"}')])),
  },
  {
    what: 'text over the ingestion limit',
    mimeType: 'text/plain',
    reason: 'DOCUMENT_TOO_LARGE',
    content: (m) => text(`${m} `.repeat(Math.ceil((MAX_DOCUMENT_BYTES + 1) / (m.length + 1)))),
  },
  {
    what: 'a PDF over the ingestion limit',
    mimeType: 'application/pdf',
    reason: 'DOCUMENT_TOO_LARGE',
    content: (m) =>
      bytes(minimalPdf(Array.from({ length: 80 }, () => [`${m} fills a page of the large PDF`]))),
  },
  {
    what: 'a PNG image',
    mimeType: 'image/png',
    reason: 'UNSUPPORTED_MEDIA_TYPE',
    content: () => bytes(Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')),
  },
  {
    what: 'an executable by its file extension',
    mimeType: '',
    sourceUri: 'file:///tmp/setup.exe',
    reason: 'UNSUPPORTED_MEDIA_TYPE',
    content: (m) => bytes(Buffer.from(`MZ ${m}`)),
  },
];

/** Lenient parsers take broken but readable input: these are indexed, and are the control group. */
const READABLE: ReadonlyArray<{ what: string; mimeType: string; content: (marker: string) => Content }> = [
  {
    what: 'Markdown with unclosed constructs',
    mimeType: 'text/markdown',
    content: (m) => text(`[unclosed](\n**bold\n\`\`\`js\n${m} in a fence never closed`),
  },
  {
    what: 'HTML with half-open tags',
    mimeType: 'text/html',
    content: (m) => text(`<p>half <b>open <i>${m} tags`),
  },
  { what: 'a whole PDF', mimeType: 'application/pdf', content: (m) => bytes(pdf(m)) },
];

const MARKUP = [
  ...'<>/&#;*_[](){}":,.-=!`|\\ \n\t',
  'é',
  '💥',
  '\u0000',
  '\u202e',
  '<p>',
  '</',
  '# ',
  '```',
  '%PDF',
  '{"',
  '<script>',
  '<!--',
  'word',
];

/**
 * Random input for a parser, one of: raw bytes (mostly not UTF-8), valid UTF-8 soup of markup
 * characters and words (reaches the parser), or for PDF a whole document with bytes flipped.
 */
function garbageFor(mimeType: string, rng: Prng): Buffer {
  const kind = rng.int(0, 2);
  if (kind === 0) return rng.bytes(rng.int(1, 2_000));
  if (kind === 1 || mimeType !== 'application/pdf')
    return Buffer.from(Array.from({ length: rng.int(1, 400) }, () => rng.pick(MARKUP)).join(''));
  const out = Buffer.from(minimalPdf([['a page of words'], ['another page']]));
  for (let i = rng.int(1, 12); i > 0; i--) out[rng.int(0, out.length - 1)] = rng.int(0, 255);
  return out;
}

/** The document of a corrupt case, named and marked by `marker`. */
function documentOf(c: CorruptCase, marker: string) {
  return {
    collection: COLLECTION,
    externalId: marker,
    mimeType: c.mimeType,
    sourceUri: c.sourceUri ?? '',
    content: c.content(marker),
  };
}

/** A word that appears nowhere else: `zq` + letters only, so every tokenizer keeps it whole. */
function markerOf(index: number, group: string): string {
  const letters = [...String(index)].map((d) => 'abcdefghij'[Number(d)]).join('');
  return `zq${group}${letters}marker`;
}

/**
 * Corrupt files for every parser through Ingest and IngestStream: INVALID_ARGUMENT with the
 * parser's reason, and nothing of them reaches the registry, the index or the audit trail.
 */
void describe('corrupt documents through ingestion', { timeout: 240_000 }, () => {
  let cairn: SecuredProcess;
  let ingestion: GrpcClient<typeof IngestionService>;
  let retrieval: GrpcClient<typeof RetrievalService>;
  let audit: GrpcClient<typeof AuditService>;
  const refusedMarkers: string[] = [];

  before(async () => {
    cairn = await startSecuredAllInOne([{ name: 'admin', tenant: 'docs', roles: [Role.ADMIN] }], {
      CAIRN_INGESTION_MAX_DOCUMENT_BYTES: String(MAX_DOCUMENT_BYTES),
    });
    const apiKey = cairn.keys['admin']!;
    ingestion = createGrpcClient(IngestionService, cairn.aio.grpcAddress, { apiKey });
    retrieval = createGrpcClient(RetrievalService, cairn.aio.grpcAddress, { apiKey });
    audit = createGrpcClient(AuditService, cairn.aio.grpcAddress, { apiKey });
  });
  after(async () => {
    for (const client of [ingestion, retrieval, audit]) client.close();
    await cairn.stop();
  });

  void it('Ingest answers each corrupt document INVALID_ARGUMENT with the parser reason', async () => {
    for (const [index, c] of CASES.entries()) {
      const marker = markerOf(index, 'u');
      refusedMarkers.push(marker);
      const error = await ingestion.ingest({ document: documentOf(c, marker) }).then(
        () => assert.fail(`${c.what}: expected INVALID_ARGUMENT, the document was accepted`),
        (e: unknown) => e,
      );
      assert.ok(error instanceof GrpcError, `${c.what}: ${String(error)}`);
      assert.equal(Status[error.code], 'INVALID_ARGUMENT', `${c.what}: ${error.message}`);
      assert.equal(error.details?.reason, c.reason, `${c.what}: ${error.message}`);
      assert.ok(error.message.length >= 10, `${c.what}: the message says why: '${error.message}'`);
    }
  });

  void it('IngestStream reports each corrupt document as failed and still ingests the good one', async () => {
    const good = 'zqgoodmarker';
    async function* documents() {
      for (const [index, c] of CASES.entries()) {
        const marker = markerOf(index, 's');
        refusedMarkers.push(marker);
        yield { document: documentOf(c, marker) };
        if (index === 3)
          yield {
            document: { collection: COLLECTION, externalId: good, content: text(`The ${good} is fine.`) },
          };
      }
    }
    const response = await ingestion.ingestStream(documents());
    assert.equal(
      response.failedCount,
      CASES.length,
      JSON.stringify(
        response.results.map((r) => [
          r.externalId,
          r.outcome.case,
          r.outcome.case === 'error' ? r.outcome.value.detail?.message : '',
        ]),
      ),
    );
    assert.equal(response.ingestedCount, 1);
    const reasons = response.results
      .filter((r) => r.outcome.case === 'error')
      .map((r) => (r.outcome.case === 'error' ? [r.outcome.value.code, r.outcome.value.detail?.reason] : []));
    assert.deepEqual(
      reasons,
      CASES.map((c) => [Status.INVALID_ARGUMENT, c.reason]),
    );
  });

  void it('random bytes for every parser: accepted or refused with a parser reason, never a server fault', async (t) => {
    const rng = propertySeed('corrupt documents');
    const outcomes = new Map<string, number>();
    for (const mimeType of [
      'text/plain',
      'text/markdown',
      'text/html',
      'application/pdf',
      'application/json',
      '',
    ]) {
      for (let i = 0; i < 12; i++) {
        const data = garbageFor(mimeType, rng);
        const outcome = await ingestion
          .ingest(
            {
              document: {
                collection: 'garbage',
                externalId: `g-${mimeType || 'sniffed'}-${i}`,
                mimeType,
                content: bytes(data),
              },
            },
            { deadlineMs: 20_000 },
          )
          .then(
            () => 'OK',
            (error: unknown) => {
              assert.ok(error instanceof GrpcError, String(error));
              assert.equal(Status[error.code], 'INVALID_ARGUMENT', `${mimeType}: ${error.message}`);
              assert.ok(
                REJECTIONS.has(error.details?.reason ?? ''),
                `${mimeType}: reason ${error.details?.reason}`,
              );
              return error.details!.reason;
            },
          );
        const key = `${mimeType || 'sniffed'} ${outcome}`;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      }
    }
    t.diagnostic(`outcomes: ${JSON.stringify(Object.fromEntries(outcomes))}`);
  });

  void it('readable but broken Markdown, HTML and a whole PDF are indexed (the control group)', async () => {
    for (const [index, r] of READABLE.entries()) {
      const marker = markerOf(index, 'r');
      const ingested = await ingestion.ingest({
        document: {
          collection: COLLECTION,
          externalId: marker,
          mimeType: r.mimeType,
          content: r.content(marker),
        },
      });
      await waitFor(
        async () =>
          (
            await retrieval.search({ query: marker, mode: SearchMode.KEYWORD, collections: [COLLECTION] })
          ).chunks.some((chunk) => chunk.chunk?.documentId === ingested.documentId),
        { timeoutMs: 60_000, intervalMs: 100, description: `${r.what} to be searchable by '${marker}'` },
      );
    }
  });

  void it('nothing of a refused document is in the registry, the index or the audit trail', async () => {
    assert.ok(refusedMarkers.length >= 2 * CASES.length);
    const listed = await ingestion.listDocuments({ collection: COLLECTION, page: { pageSize: 500 } });
    const failed = await ingestion.listDocuments({
      collection: COLLECTION,
      status: DocumentStatus.FAILED,
      page: { pageSize: 500 },
    });
    const known = new Set([...listed.documents, ...failed.documents].map((d) => d.externalId));
    assert.deepEqual(
      refusedMarkers.filter((m) => known.has(m)),
      [],
      'refused documents in the registry',
    );
    // The trail first (the searches below are recorded in it, with their queries), once it holds
    // the documents that were accepted around the refused ones.
    const accepted = ['zqgoodmarker', ...READABLE.map((_, index) => markerOf(index, 'r'))];
    const trail = await waitFor(
      async () => {
        const entries: string[] = [];
        for await (const { record } of audit.export({ includePayload: true }))
          if (record)
            entries.push(
              Buffer.from(record.payload).toString('latin1'),
              record.subjects.map((s) => s.id).join(' '),
            );
        return accepted.every((marker) => entries.some((entry) => entry.includes(marker)))
          ? entries
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, description: 'the audit trail to hold the accepted documents' },
    );
    const leaked = refusedMarkers.filter((marker) => trail.some((entry) => entry.includes(marker)));
    assert.deepEqual(leaked, [], 'refused documents in the audit trail');
    for (const marker of refusedMarkers) {
      const found = await retrieval.search({ query: marker, mode: SearchMode.KEYWORD, topK: 5 });
      assert.deepEqual(
        found.chunks.filter((c) => c.text.includes(marker)).map((c) => c.externalId),
        [],
        `chunks of the refused '${marker}' are searchable`,
      );
    }
  });
});
