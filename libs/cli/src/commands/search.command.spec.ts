import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fromJsonString } from '@bufbuild/protobuf';
import {
  RetrievalService,
  SearchMode,
  SearchResponseSchema,
  type SearchRequest,
} from '@cairn/contracts/cairn/retrieval/v1/retrieval';
import { startTestServer, withUnimplemented, type TestServer } from '@cairn/grpc/testing';
import { ExitCode, UsageError } from '../exit-codes.js';
import { runCaptured } from '../testing/capture-io.js';
import { metadataFilter } from './search.command.js';

void describe('cairn search', { timeout: 30_000 }, () => {
  let t: TestServer;
  const requests: SearchRequest[] = [];
  before(async () => {
    t = await startTestServer((server) =>
      server.addService(
        RetrievalService,
        withUnimplemented(RetrievalService, {
          async search(request) {
            requests.push(request);
            if (request.query === 'nothing') return { requestId: 'req-0', chunks: [] };
            return {
              requestId: 'req-1',
              mode: SearchMode.HYBRID,
              chunks: [
                {
                  chunk: { documentId: 'doc_t', documentVersion: 1, chunkId: 'chk_1' },
                  collection: 'handbook',
                  title: 'Travel policy',
                  sourceUri: 'handbook/travel.md',
                  headingPath: ['Travel policy', 'Flights'],
                  text: 'Book economy class\n\nfor flights under six hours.',
                  score: 0.0328,
                },
                {
                  chunk: { documentId: 'doc_p', documentVersion: 2, chunkId: 'chk_2' },
                  collection: 'handbook',
                  title: '',
                  externalId: 'payroll.txt',
                  text: 'x'.repeat(300),
                  score: 0.0161,
                },
              ],
            };
          },
        }),
      ),
    );
  });
  after(() => t.stop());
  const search = (...args: string[]) =>
    runCaptured(['search', ...args, '--endpoint', t.address, '--api-key', t.keys.reader]);

  void it('prints rank, score, title › headings, source and a one-line snippet', async () => {
    const run = await search('which class do I fly?');
    assert.equal(run.code, ExitCode.OK, run.stderr);
    const lines = run.stdout.split('\n');
    assert.deepEqual(lines.slice(0, 4), [
      '1. 0.0328  Travel policy › Flights',
      '   handbook/travel.md  (handbook)',
      '   Book economy class for flights under six hours.',
      '',
    ]);
    assert.equal(lines[4], '2. 0.0161  (untitled)');
    assert.equal(lines[5], '   payroll.txt  (handbook)', 'the external id when there is no source');
    assert.equal([...(lines[6] ?? '')].length, 3 + 200, 'snippets are cut');
    assert.ok(lines[6]?.endsWith('…'));
  });

  void it('sends mode, top k, collections, filter and minimum score', async () => {
    const run = await search(
      'q',
      '--mode',
      'keyword',
      '--top',
      '3',
      '--collection',
      'handbook',
      '--collection',
      'wiki',
      '--filter',
      'lang=en',
      '--min-score',
      '0.5',
      '--tenant',
      'acme',
    );
    assert.equal(run.code, ExitCode.OK, run.stderr);
    const sent = requests.at(-1)!;
    assert.deepEqual(
      [sent.mode, sent.topK, sent.collections, sent.minScore, sent.tenant],
      [SearchMode.KEYWORD, 3, ['handbook', 'wiki'], 0.5, 'acme'],
    );
    assert.deepEqual(
      sent.filter?.must.map((c) => [c.key, c.match.value]),
      [['lang', 'en']],
    );
  });

  void it('--json prints the SearchResponse as protobuf JSON', async () => {
    const run = await search('q', '--json');
    const parsed = fromJsonString(SearchResponseSchema, run.stdout);
    assert.equal(parsed.requestId, 'req-1');
    assert.equal(parsed.chunks[0]?.headingPath.join('/'), 'Travel policy/Flights');
    assert.match(run.stdout, /"mode": "SEARCH_MODE_HYBRID"/);
  });

  void it('says when nothing matched; exits 2 for a bad mode, top k or filter, and 4 for another tenant', async () => {
    assert.equal((await search('nothing')).stdout, 'No matching chunks.\n');
    for (const bad of [
      ['--mode', 'fuzzy'],
      ['--top', '0'],
      ['--filter', 'novalue'],
      ['--min-score', 'high'],
    ])
      assert.equal((await search('q', ...bad)).code, ExitCode.USAGE, bad.join(' '));
    const other = await search('q', '--tenant', 'globex');
    assert.equal(other.code, ExitCode.AUTH);
    assert.match(other.stderr, /^cairn: PERMISSION_DENIED: .*\(reason: TENANT_MISMATCH, field: tenant\)\n$/);
  });
});

void describe('--filter', () => {
  void it('maps key=value to must, key!=value to must_not, and repeated keys to any_of', () => {
    const filter = metadataFilter(['lang=en', 'team=hr', 'team=it', 'status!=draft', 'expr=a=b'])!;
    assert.deepEqual(
      filter.must.map((c) => [c.key, c.match.case, c.match.value]),
      [
        ['lang', 'equals', 'en'],
        ['team', 'anyOf', filter.must[1]?.match.value],
        ['expr', 'equals', 'a=b'],
      ],
    );
    const anyOf = filter.must[1]?.match;
    assert.deepEqual(anyOf?.case === 'anyOf' ? anyOf.value.values : [], ['hr', 'it']);
    assert.deepEqual(
      filter.mustNot.map((c) => [c.key, c.match.value]),
      [['status', 'draft']],
    );
    assert.equal(metadataFilter([]), undefined);
    assert.throws(() => metadataFilter(['=x']), UsageError);
  });
});
