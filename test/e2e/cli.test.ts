import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { fromJsonString } from '@bufbuild/protobuf';
import { QueryResponseSchema } from '@cairn/contracts/cairn/audit/v1/audit';
import { DocumentStatus, ListDocumentsResponseSchema } from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { GetStatusResponseSchema } from '@cairn/contracts/cairn/ops/v1/status';
import { SearchResponseSchema } from '@cairn/contracts/cairn/retrieval/v1/retrieval';
import { waitFor } from '@cairn/testing';
import { REPO_ROOT } from '../support/repo.js';
import { startService, type StartedService } from '../support/service-process.js';

const CLI = join(REPO_ROOT, 'libs', 'cli', 'dist', 'main.js');

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the compiled `cairn` in `cwd` with only the given environment (plus PATH and HOME). */
function cairn(args: readonly string[], cwd: string, env: Record<string, string> = {}): Promise<CliResult> {
  // eslint-disable-next-line no-restricted-properties -- tests hand their environment to child processes.
  const inherited = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '' };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, env: { ...inherited, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

const DOCS: Record<string, string> = {
  'travel.md':
    '# Travel policy\n\nBook economy class for flights under six hours.\n\n## Hotels\n\nStay in the approved hotels near the office.\n',
  'payroll.txt': 'Salaries are paid on the last working day of each month.\n',
  'security.html':
    '<html><head><title>Security</title></head><body><h1>Security</h1><p>Use a password manager and turn on two-factor authentication.</p></body></html>',
  'expenses.json': '{"title":"Expenses","body":"Submit your receipts within thirty days of the trip."}',
  'broken.pdf': '%PDF-1.4\nthis is not a PDF body at all',
};

/**
 * The compiled `cairn` CLI as a child process against the all-in-one (embedded defaults, hash
 * embeddings): run where `npm run up` would have written `.cairn/api-key`, with the endpoint from
 * CAIRN_ENDPOINT, as a first-hour user would.
 */
void describe('cairn CLI against the all-in-one', { timeout: 300_000 }, () => {
  let aio: StartedService;
  let env: Record<string, string>;
  const run = (...args: string[]) => cairn(args, aio.dataDir, env);

  before(async () => {
    aio = await startService({ service: 'all-in-one', env: { CAIRN_EMBEDDING_PROVIDER: 'hash' } });
    env = { CAIRN_ENDPOINT: aio.grpcAddress };
    mkdirSync(join(aio.dataDir, 'docs'));
    for (const [name, text] of Object.entries(DOCS)) writeFileSync(join(aio.dataDir, 'docs', name), text);
  });
  after(async () => {
    assert.equal(await aio.stop(), 0);
  });

  const listDocuments = async () => {
    const listed = await run('docs', 'ls', '--json');
    assert.equal(listed.code, 0, listed.stderr);
    return fromJsonString(ListDocumentsResponseSchema, listed.stdout).documents;
  };

  void it('ingest: a summary with the corrupt PDF failed and its reason; exit 1', async () => {
    const result = await run('ingest', 'docs');
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /^5 documents into collection default:\n/);
    assert.match(
      result.stdout,
      /\n {2}ingested {3}4 {2}\(new or changed\)\n {2}unchanged {2}0\n {2}failed {5}1\n/,
    );
    assert.match(result.stdout, /\n {2}chunks {5}\d+ {2}\(\d+ new\)\n/);
    assert.match(result.stdout, /\nfailed:\n {2}docs\/broken\.pdf: CORRUPT_DOCUMENT: /);
    assert.equal(result.stderr, '', 'no progress bar on a pipe');
  });

  void it('ingest again: identical files count as unchanged; a glob of the good ones exits 0', async () => {
    const again = await run('ingest', 'docs/*.{md,txt,html,json}', '--json');
    assert.equal(again.code, 0, again.stderr);
    const summary = JSON.parse(again.stdout) as {
      documents: number;
      ingested: number;
      unchanged: number;
      failed: number;
    };
    assert.deepEqual([summary.documents, summary.ingested, summary.unchanged, summary.failed], [4, 0, 4, 0]);
  });

  void it('docs ls: the four documents, indexed once the embedding service is done', async () => {
    const documents = await waitFor(
      async () => {
        const listed = await listDocuments();
        return listed.length === 4 && listed.every((d) => d.status === DocumentStatus.INDEXED)
          ? listed
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, description: 'every document indexed' },
    );
    assert.deepEqual(documents.map((d) => d.externalId).sort(), [
      'docs/expenses.json',
      'docs/payroll.txt',
      'docs/security.html',
      'docs/travel.md',
    ]);
    const table = await run('docs', 'ls');
    assert.equal(table.code, 0);
    assert.match(table.stdout, /^DOCUMENT +COLLECTION +EXTERNAL ID +VERSION +STATUS +CHUNKS +UPDATED\n/);
    assert.match(table.stdout, /\ndoc_\S+ +default +docs\/travel\.md +v1 +indexed +\d+ +\d{4}-/);
    assert.match(table.stdout, /\n4 documents\n$/);
  });

  let searchRequestId = '';
  void it('search: ranked chunks with title › headings, source and snippet; --json is the SearchResponse', async () => {
    const human = await run('search', 'economy class flights', '--top', '3');
    assert.equal(human.code, 0, human.stderr);
    assert.match(
      human.stdout,
      /^1\. \d\.\d{4} {2}Travel policy\b.*\n {3}docs\/travel\.md {2}\(default\)\n {3}.*economy class/,
    );
    const json = await run('search', 'economy class flights', '--top', '2', '--mode', 'keyword', '--json');
    assert.equal(json.code, 0, json.stderr);
    const response = fromJsonString(SearchResponseSchema, json.stdout);
    assert.equal(response.chunks[0]?.sourceUri, 'docs/travel.md');
    assert.ok(response.chunks.length <= 2);
    searchRequestId = response.requestId;
    assert.notEqual(searchRequestId, '');
  });

  void it('ask: the steps on stderr as they happen, the cited answer on stdout; --json one line per step', async () => {
    const human = await run('ask', 'Which class do I book for short flights?');
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stderr, /^run [0-9a-f-]{36}\n/);
    assert.match(human.stderr, /· retrieval "Which class do I book for short flights\?": \d+ chunks?/);
    assert.match(human.stdout, /economy class/i);
    assert.match(human.stdout, /\nCitations:\n {2}\[1\] Travel policy/);
    const json = await run('ask', 'Which class do I book for short flights?', '--json');
    assert.equal(json.code, 0, json.stderr);
    const lines = json.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { status: string; step: object });
    assert.ok(lines.length >= 4);
    assert.equal(lines.at(-1)?.status, 'RUN_STATUS_SUCCEEDED');
    assert.ok('finalAnswer' in (lines.at(-1)?.step ?? {}));
    const unknown = await run('ask', 'Anything?', '--agent', 'nobody');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^cairn: NOT_FOUND: agent nobody does not exist.*AGENT_NOT_FOUND/);
  });

  void it('docs get shows a document; docs rm deletes it; docs ls leaves it out', async () => {
    const payroll = (await listDocuments()).find((d) => d.externalId === 'docs/payroll.txt')!;
    const shown = await run('docs', 'get', payroll.documentId);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(
      shown.stdout,
      new RegExp(
        `^document +${payroll.documentId}\\ncollection +default\\nexternal id +docs/payroll\\.txt\\n`,
      ),
    );
    assert.match(shown.stdout, /\nmedia type +text\/plain\n/);
    const removed = await run('docs', 'rm', payroll.documentId);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(removed.stdout, `deleted ${payroll.documentId}  docs/payroll.txt\n`);
    assert.deepEqual((await listDocuments()).map((d) => d.externalId).sort(), [
      'docs/expenses.json',
      'docs/security.html',
      'docs/travel.md',
    ]);
    assert.match((await run('docs', 'get', payroll.documentId)).stdout, /\nstatus +deleted\n/);
    const unknown = await run('docs', 'get', 'doc_unknown');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^cairn: NOT_FOUND: .*\(reason: DOCUMENT_NOT_FOUND\)\n$/);
  });

  void it('audit query, verify and explain', async () => {
    const query = await run('audit', 'query', '--event-type', 'cairn.ingestion.v1.DocumentChunked', '--json');
    assert.equal(query.code, 0, query.stderr);
    const records = fromJsonString(QueryResponseSchema, query.stdout).records;
    assert.equal(records.length, 4, 'one DocumentChunked per ingested document');
    const table = await run('audit', 'query', '--since', '1h', '--limit', '2');
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^SEQ +OCCURRED +EVENT +PRINCIPAL +SUBJECTS\n1 +\d{4}-/);
    assert.match(table.stderr, /^more records: add --page-token \S+\n$/);

    const verified = await run('audit', 'verify');
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /^audit trail verified: \d+ records up to sequence \d+/);

    const explained = await waitFor(
      async () => {
        const result = await run('audit', 'explain', '--request-id', searchRequestId);
        return result.code === 0 ? result : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, description: 'the search recorded in the audit trail' },
    );
    assert.match(explained.stdout, new RegExp(`^search +${searchRequestId}\\n`));
    assert.match(explained.stdout, /\nquestion +economy class flights\n/);
    assert.match(explained.stdout, /\nretrieval "economy class flights" +keyword/);
  });

  void it('status: healthy, with consumer lag and the tenant counts; --json is the GetStatusResponse', async () => {
    const human = await run('status');
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^process +all-in-one .*\nhealth +healthy\n/);
    assert.match(human.stdout, /\n {2}ok {2}event-bus\n/);
    assert.match(
      human.stdout,
      /\nconsumer lag \(\d+ records behind\)\n(?: {2}\S+ +\d+ partitions.*\n)* {2}\S*audit +\d+ partitions/,
    );
    assert.match(
      human.stdout,
      /\ncounts of tenant default\n(?: {2}agent-runner +runs \d+.*\n)? {2}audit +records \d+\n {2}ingestion +documents 3, chunks \d+, /,
    );
    const json = await run('status', '--json');
    assert.equal(json.code, 0);
    const status = fromJsonString(GetStatusResponseSchema, json.stdout);
    assert.deepEqual([status.process, status.healthy, status.tenant], ['all-in-one', true, 'default']);
    const counts = Object.fromEntries(status.counts.map((c) => [`${c.service}.${c.name}`, c.value]));
    assert.deepEqual(
      [
        counts['ingestion.documents'],
        counts['ingestion.documents.deleted'],
        counts['ingestion.documents.indexed'],
      ],
      [3n, 1n, 3n],
    );
    assert.ok((counts['audit.records'] ?? 0n) > 0n);
  });

  void it('exits 4 for a wrong key, 3 when nothing listens, 2 for a bad flag', async () => {
    const wrong = await run('docs', 'ls', '--api-key', 'cairn_deadbeef_notavalidsecret');
    assert.equal(wrong.code, 4);
    assert.match(wrong.stderr, /^cairn: UNAUTHENTICATED: .*\nhint: the API key was not accepted/);
    const other = await run('search', 'x', '--tenant', 'someone-else');
    assert.equal(other.code, 4);
    assert.match(other.stderr, /^cairn: PERMISSION_DENIED: .*\(reason: TENANT_MISMATCH, field: tenant\)\n$/);
    const nobody = await run('status', '--endpoint', `127.0.0.1:${await closedPort()}`);
    assert.equal(nobody.code, 3);
    assert.match(nobody.stderr, /^cairn: UNAVAILABLE: .*\nhint: is Cairn running at 127\.0\.0\.1:\d+\?/);
    const bad = await run('search', 'x', '--top', 'many');
    assert.equal(bad.code, 2);
    assert.equal(
      bad.stderr,
      'cairn: --top must be an integer between 1 and 100, not "many"\n(see cairn search --help)\n',
    );
  });

  void it('audit verify: exit 1 naming the first broken record once a record is changed in the store', async () => {
    const db = new DatabaseSync(join(aio.dataDir, '.cairn', 'audit.db'), { timeout: 5_000 });
    try {
      db.exec("UPDATE audit_records SET event_type = 'forged' WHERE tenant = 'default' AND sequence = 2");
    } finally {
      db.close();
    }
    const broken = await run('audit', 'verify');
    assert.equal(broken.code, 1);
    assert.equal(broken.stdout, '');
    assert.match(broken.stderr, /^audit trail BROKEN at record default\/2 \(sequence 2\): HASH_MISMATCH\n/);
    const json = await run('audit', 'verify', '--json');
    assert.equal(json.code, 1);
    assert.match(json.stdout, /"firstBrokenRecordId": "default\/2"/);
  });
});
