import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fromJsonString, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  AuditService,
  QueryResponseSchema,
  VerifyFailure,
  VerifyResponseSchema,
  type QueryRequest,
} from '@cairn/contracts/cairn/audit/v1/audit';
import { RunStatus } from '@cairn/contracts/cairn/agent/v1/agent';
import { startTestServer, withUnimplemented, type TestServer } from '@cairn/grpc/testing';
import { ExitCode, UsageError } from '../exit-codes.js';
import { runCaptured } from '../testing/capture-io.js';
import { auditFilter } from './audit.command.js';

const BROKEN: MessageInitShape<typeof VerifyResponseSchema> = {
  ok: false,
  checkedCount: 11n,
  firstBrokenRecordId: 'acme/12',
  firstBrokenSequence: 12n,
  reason: VerifyFailure.HASH_MISMATCH,
  detail: 'the stored hash is not the hash of the record',
};

void describe('cairn audit', { timeout: 30_000 }, () => {
  let t: TestServer;
  let verify: MessageInitShape<typeof VerifyResponseSchema> = { ok: true };
  const queries: QueryRequest[] = [];
  before(async () => {
    t = await startTestServer((server) =>
      server.addService(
        AuditService,
        withUnimplemented(AuditService, {
          verify: async () => verify,
          // Five records, pages of at most two, the token being the next sequence.
          async query(request) {
            queries.push(request);
            const from = Number(request.page?.pageToken || '1');
            const size = Math.min(request.page?.pageSize || 50, 2);
            const sequences = [1, 2, 3, 4, 5].filter((s) => s >= from).slice(0, size);
            const next = (sequences.at(-1) ?? 5) + 1;
            return {
              records: sequences.map((sequence) => ({
                id: `acme/${sequence}`,
                sequence: BigInt(sequence),
                eventType: 'cairn.ingestion.v1.DocumentChunked',
                principal: 'key:abc',
                subjects: [{ kind: 'document', id: `doc_${sequence}` }],
                occurredAt: timestampFromDate(new Date(Date.UTC(2025, 0, 31, 12, 0, sequence))),
              })),
              page: { nextPageToken: next <= 5 ? String(next) : '' },
            };
          },
          explain: async (request) => ({
            runId: request.subject.case === 'runId' ? request.subject.value : '',
            requestId: 'req-1',
            agent: 'default',
            agentVersion: 2,
            principal: 'key:abc',
            question: 'which class do I fly?',
            status: RunStatus.SUCCEEDED,
            retrievals: [
              {
                query: 'which class',
                chunks: [
                  {
                    rank: 1,
                    score: 0.5,
                    cited: true,
                    citationIndex: 1,
                    title: 'Travel policy',
                    sourceUri: 'travel.md',
                    chunk: { documentId: 'doc_t', documentVersion: 3 },
                  },
                  { rank: 2, score: 0.25, chunk: { documentId: 'doc_p', documentVersion: 1 } },
                ],
              },
            ],
            modelCalls: [
              { model: 'local/echo', promptTokens: 10, completionTokens: 5, finishReason: 'stop' },
            ],
            answer: 'Economy [1].',
            citations: [{ index: 1, title: 'Travel policy', sourceUri: 'travel.md' }],
            recordIds: ['acme/1', 'acme/2'],
            complete: false,
          }),
        }),
      ),
    );
  });
  after(() => t.stop());
  const audit = (...args: string[]) =>
    runCaptured(['audit', ...args, '--endpoint', t.address, '--api-key', t.keys.admin]);

  void it('verify: exit 0 when the chain holds', async () => {
    verify = { ok: true, checkedCount: 57n, lastSequence: 57n, checkpointSequence: 50n };
    const run = await audit('verify');
    assert.equal(run.code, ExitCode.OK);
    assert.equal(
      run.stdout,
      'audit trail verified: 57 records up to sequence 57, signed checkpoint at sequence 50 matches\n',
    );
  });

  void it('verify: exit 1 naming the first broken record and why, also with --json', async () => {
    verify = BROKEN;
    const run = await audit('verify');
    assert.equal(run.code, ExitCode.FAILED);
    assert.equal(
      run.stderr,
      'audit trail BROKEN at record acme/12 (sequence 12): HASH_MISMATCH\n  the stored hash is not the hash of the record\n  11 records checked\n',
    );
    const json = await audit('verify', '--json');
    assert.equal(json.code, ExitCode.FAILED);
    const parsed = fromJsonString(VerifyResponseSchema, json.stdout);
    assert.deepEqual([parsed.ok, parsed.firstBrokenRecordId], [false, 'acme/12']);
    assert.match(json.stdout, /"reason": "VERIFY_FAILURE_HASH_MISMATCH"/);
  });

  void it('query: follows pages up to --limit and prints the token of the rest', async () => {
    const run = await audit('query', '--limit', '3', '--subject', 'document:doc_1', '--desc');
    assert.equal(run.code, ExitCode.OK, run.stderr);
    assert.deepEqual(
      queries
        .slice(-2)
        .map((q) => [q.page?.pageSize, q.page?.pageToken, q.descending, q.filter?.subject?.id]),
      [
        [3, '', true, 'doc_1'],
        [1, '3', true, 'doc_1'],
      ],
    );
    assert.match(
      run.stdout,
      /^SEQ +OCCURRED +EVENT +PRINCIPAL +SUBJECTS\n1 +2025-01-31T12:00:01Z +cairn\.ingestion\.v1\.DocumentChunked +key:abc +document:doc_1\n/,
    );
    assert.match(run.stdout, /\n3 records\n$/);
    assert.equal(run.stderr, 'more records: add --page-token 4\n');
  });

  void it('query --json: one QueryResponse with every record read and the next token', async () => {
    const run = await audit('query', '--json');
    const parsed = fromJsonString(QueryResponseSchema, run.stdout);
    assert.deepEqual(
      parsed.records.map((r) => r.sequence),
      [1n, 2n, 3n, 4n, 5n],
    );
    assert.equal(parsed.page?.nextPageToken, '');
  });

  void it('explain: prints question, retrievals (cited chunks marked), model calls, answer and citations', async () => {
    const run = await audit('explain', '--run-id', 'run-9');
    assert.equal(run.code, ExitCode.OK, run.stderr);
    assert.match(
      run.stdout,
      /^run +run-9\nagent +default v2\nstatus +succeeded\nrequest +req-1\nprincipal +key:abc\nquestion +which class do I fly\?\n/,
    );
    assert.match(
      run.stdout,
      /\n {2}1\. {2}0\.5000 {2}cited \[1\] {2}doc_t v3 {2}Travel policy — travel\.md\n {2}2\. {2}0\.2500 +doc_p v1\n/,
    );
    assert.match(run.stdout, /\nretrieval "which class"\n/, 'no mode or time when the record has none');
    assert.match(run.stdout, /model calls\n {2}model local\/echo {2}10 \+ 5 tokens {2}finish stop\n/);
    assert.match(
      run.stdout,
      /answer\n {2}Economy \[1\]\.\n\ncitations\n {2}\[1\] Travel policy — travel\.md\n/,
    );
    assert.match(run.stdout, /from 2 audit records — INCOMPLETE/);
    assert.equal((await audit('explain')).code, ExitCode.USAGE);
    assert.equal((await audit('explain', '--run-id', 'a', '--request-id', 'b')).code, ExitCode.USAGE);
  });

  void it('query and verify need an admin key: exit 4 with a reader key', async () => {
    const run = await runCaptured(['audit', 'verify', '--endpoint', t.address, '--api-key', t.keys.reader]);
    assert.equal(run.code, ExitCode.AUTH);
    assert.match(run.stderr, /^cairn: PERMISSION_DENIED: .*\(reason: [A-Z_]+/);
  });
});

void describe('audit query flags', () => {
  const now = new Date('2025-01-31T12:00:00Z');

  void it('become an AuditFilter: types, principal, subject, times (ISO or ago), trace and request', () => {
    const filter = auditFilter(
      {
        'event-type': ['cairn.ingestion.v1.DocumentChunked', 'cairn.embedding.v1.ChunksIndexed'],
        principal: 'key:abc',
        subject: 'external_document:handbook/a:b.md',
        since: '2h',
        until: '2025-01-31T11:30:00Z',
        'trace-id': 'ab'.repeat(16),
        'request-id': 'req-1',
      },
      now,
    );
    assert.deepEqual(filter.eventTypes, [
      'cairn.ingestion.v1.DocumentChunked',
      'cairn.embedding.v1.ChunksIndexed',
    ]);
    assert.deepEqual([filter.subject?.kind, filter.subject?.id], ['external_document', 'handbook/a:b.md']);
    assert.equal(timestampDate(filter.startTime!).toISOString(), '2025-01-31T10:00:00.000Z');
    assert.equal(timestampDate(filter.endTime!).toISOString(), '2025-01-31T11:30:00.000Z');
    assert.deepEqual(
      [filter.principal, filter.traceId, filter.requestId],
      ['key:abc', 'ab'.repeat(16), 'req-1'],
    );
  });

  void it('refuse a subject without kind or id, and a time that is not one', () => {
    assert.throws(() => auditFilter({ subject: 'document' }, now), UsageError);
    assert.throws(() => auditFilter({ subject: ':x' }, now), UsageError);
    assert.throws(() => auditFilter({ since: 'yesterday' }, now), /--since takes an ISO time/);
  });
});
