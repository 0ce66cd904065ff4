import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  DocumentStatus,
  IngestionService,
  type IngestStreamRequest,
} from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { Status } from '@cairn/grpc';
import { startTestServer, withUnimplemented, type TestServer } from '@cairn/grpc/testing';
import { ExitCode } from '../../exit-codes.js';
import { runCaptured } from '../../testing/capture-io.js';

/**
 * `cairn ingest` against a fake IngestionService.IngestStream that keeps a hash per external id
 * (unchanged on a repeat) and rejects documents whose name contains "corrupt".
 */
void describe('cairn ingest', { timeout: 30_000 }, () => {
  let t: TestServer;
  let cwd: string;
  const hashes = new Map<string, string>();
  const polls = new Map<string, number>();
  let streams: IngestStreamRequest[][] = [];
  before(async () => {
    t = await startTestServer((server) =>
      server.addService(
        IngestionService,
        withUnimplemented(IngestionService, {
          async ingestStream(requests) {
            const received: IngestStreamRequest[] = [];
            for await (const request of requests) received.push(request);
            streams.push(received);
            const results = received.map((request, index) => {
              const document = request.document!;
              const externalId = document.externalId;
              if (externalId.includes('corrupt'))
                return {
                  index,
                  externalId,
                  outcome: {
                    case: 'error' as const,
                    value: {
                      code: Status.INVALID_ARGUMENT,
                      detail: {
                        reason: 'CORRUPT_DOCUMENT',
                        message: 'unreadable PDF: Invalid PDF structure.',
                      },
                    },
                  },
                };
              const content = document.content.case === 'data' ? document.content.value : new Uint8Array();
              const hash = createHash('sha256').update(content).digest('hex');
              const unchanged = hashes.get(externalId) === hash;
              hashes.set(externalId, hash);
              return {
                index,
                externalId,
                outcome: {
                  case: 'ingested' as const,
                  value: {
                    documentId: `doc_${externalId}`,
                    version: 1,
                    status: DocumentStatus.CHUNKED,
                    unchanged,
                    chunkCount: 2,
                    newChunkCount: unchanged ? 0 : 2,
                  },
                },
              };
            });
            return { results };
          },
          async getDocument(request) {
            // Indexed on the second look; documents named "sick" fail indexing; "slow" never finish.
            const id = request.documentId;
            const looks = (polls.get(id) ?? 0) + 1;
            polls.set(id, looks);
            const status = id.includes('sick')
              ? DocumentStatus.FAILED
              : looks >= 2 && !id.includes('slow')
                ? DocumentStatus.INDEXED
                : DocumentStatus.CHUNKED;
            return {
              document: {
                documentId: id,
                version: 1,
                status,
                failureReason: status === DocumentStatus.FAILED ? 'the embedding provider refused' : '',
              },
            };
          },
        }),
      ),
    );
    cwd = mkdtempSync(join(tmpdir(), 'cairn-cli-ingest-'));
    mkdirSync(join(cwd, 'docs'));
    writeFileSync(join(cwd, 'docs', 'a.md'), '# A\n\ntext');
    writeFileSync(join(cwd, 'docs', 'b.txt'), 'b');
    writeFileSync(join(cwd, 'docs', 'c.html'), '<h1>C</h1>');
    writeFileSync(join(cwd, 'docs', 'corrupt.pdf'), '%PDF-1.4 broken');
    writeFileSync(join(cwd, 'docs', 'd.json'), '{"a":1}');
    writeFileSync(join(cwd, 'docs', 'logo.png'), 'png');
    mkdirSync(join(cwd, 'empty'));
  });
  after(() => t.stop());
  beforeEach(() => {
    hashes.clear();
    polls.clear();
    streams = [];
  });

  const ingest = (args: string[], options: { tty?: boolean } = {}) =>
    runCaptured(['ingest', ...args, '--endpoint', t.address, '--api-key', t.keys.writer], {
      cwd,
      ...options,
    });

  void it('sends each file once, in batches, with its media type and relative path; summarises; exits 1 on a failure', async () => {
    const run = await ingest([
      'docs',
      'missing.md',
      '--batch-size',
      '2',
      '--collection',
      'handbook',
      '--metadata',
      'team=hr',
    ]);
    assert.equal(run.code, ExitCode.FAILED, run.stderr);
    assert.deepEqual(
      streams.map((batch) => batch.length),
      [2, 2, 1],
    );
    const sent = streams.flat().map((request) => request.document!);
    assert.deepEqual(
      sent.map((d) => [d.externalId, d.mimeType, d.collection, d.sourceUri, d.metadata['team']]),
      [
        ['docs/a.md', 'text/markdown', 'handbook', 'docs/a.md', 'hr'],
        ['docs/b.txt', 'text/plain', 'handbook', 'docs/b.txt', 'hr'],
        ['docs/c.html', 'text/html', 'handbook', 'docs/c.html', 'hr'],
        ['docs/corrupt.pdf', 'application/pdf', 'handbook', 'docs/corrupt.pdf', 'hr'],
        ['docs/d.json', 'application/json', 'handbook', 'docs/d.json', 'hr'],
      ],
    );
    assert.equal(
      run.stdout,
      [
        '6 documents into collection handbook:',
        '  ingested   4  (new or changed)',
        '  unchanged  0',
        '  failed     2',
        '  chunks     8  (8 new)',
        '  skipped    1  (files of other types)',
        'failed:',
        '  missing.md: NOT_FOUND: no such file or directory',
        '  docs/corrupt.pdf: CORRUPT_DOCUMENT: unreadable PDF: Invalid PDF structure.',
        '',
      ].join('\n'),
    );
    assert.equal(run.stderr, '', 'no progress bar when stderr is not a terminal');
  });

  void it('counts identical files as unchanged when ingested again, and exits 0 without failures', async () => {
    await ingest(['docs/a.md', 'docs/b.txt']);
    const again = await ingest(['docs/a.md', 'docs/b.txt']);
    assert.equal(again.code, ExitCode.OK);
    assert.match(
      again.stdout,
      /ingested {3}0 .*\n {2}unchanged {2}2\n {2}failed {5}0\n {2}chunks {5}4 {2}\(0 new\)/,
    );
  });

  void it('--wait waits until every document is indexed, and exits 1 naming those that failed or are still indexing', async () => {
    writeFileSync(join(cwd, 'sick.md'), '# Sick');
    writeFileSync(join(cwd, 'slow.md'), '# Slow');
    const good = await ingest(['docs/a.md', 'docs/b.txt', '--wait']);
    assert.equal(good.code, ExitCode.OK, good.stdout + good.stderr);
    assert.match(good.stdout, /\nindexed: 2\n$/);
    assert.deepEqual([...polls.values()], [2, 2], 'each document polled until indexed');
    const bad = await ingest(['docs/a.md', 'sick.md', 'slow.md', '--wait', '--wait-timeout', '1']);
    assert.equal(bad.code, ExitCode.FAILED);
    assert.match(bad.stdout, /not indexed {2}sick\.md: the embedding provider refused/);
    assert.match(bad.stdout, /still indexing {2}slow\.md/);
  });

  void it('--json prints the summary with each document id or failure, and no progress', async () => {
    const run = await ingest(['docs', '--json'], { tty: true });
    assert.equal(run.code, ExitCode.FAILED);
    assert.equal(run.stderr, '');
    const summary = JSON.parse(run.stdout) as {
      documents: number;
      ingested: number;
      unchanged: number;
      failed: number;
      chunks: number;
      results: {
        name: string;
        documentId?: string;
        status?: string;
        error?: { code: string; reason: string };
      }[];
    };
    assert.deepEqual(
      [summary.documents, summary.ingested, summary.unchanged, summary.failed, summary.chunks],
      [5, 4, 0, 1, 8],
    );
    assert.deepEqual(summary.results[0], {
      name: 'docs/a.md',
      documentId: 'doc_docs/a.md',
      version: 1,
      status: 'DOCUMENT_STATUS_CHUNKED',
      unchanged: false,
      chunkCount: 2,
      newChunkCount: 2,
      requestId: '',
    });
    assert.deepEqual(summary.results.find((r) => r.name === 'docs/corrupt.pdf')?.error, {
      code: 'INVALID_ARGUMENT',
      reason: 'CORRUPT_DOCUMENT',
      message: 'unreadable PDF: Invalid PDF structure.',
    });
  });

  void it('draws a progress bar on a terminal and clears it before the summary', async () => {
    const run = await ingest(['docs'], { tty: true });
    assert.match(run.stderr, /\r\x1b\[2K\[-{24}\] {2}0\/5 {2}docs\/a\.md/);
    assert.match(run.stderr, /\[#{24}\] {2}5\/5 {2}1 failed/);
    assert.ok(run.stderr.endsWith('\r\x1b[2K'), 'the bar is cleared');
  });

  void it('fails files above --max-file-size without sending them', async () => {
    writeFileSync(join(cwd, 'big.txt'), Buffer.alloc(1024 * 1024 + 1, 'a'));
    const run = await ingest(['big.txt', 'docs/b.txt', '--max-file-size', '1']);
    assert.equal(run.code, ExitCode.FAILED);
    assert.deepEqual(
      streams.flat().map((r) => r.document?.externalId),
      ['docs/b.txt'],
    );
    assert.match(
      run.stdout,
      /big\.txt: FILE_TOO_LARGE: the file is 1\.0 MiB, more than --max-file-size 1\.0 MiB/,
    );
  });

  void it('exits 2 when nothing is there to ingest, 4 when the key is refused', async () => {
    const nothing = await ingest(['empty']);
    assert.equal(nothing.code, ExitCode.USAGE);
    assert.match(nothing.stderr, /nothing to ingest/);
    const refused = await runCaptured(
      ['ingest', 'docs', '--endpoint', t.address, '--api-key', t.keys.reader],
      { cwd },
    );
    assert.equal(refused.code, ExitCode.AUTH);
    assert.match(refused.stderr, /^cairn: PERMISSION_DENIED: /);
    assert.equal(refused.stdout, '');
  });
});
