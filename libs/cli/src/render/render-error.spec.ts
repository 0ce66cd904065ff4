import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { GrpcError, Status } from '@cairn/grpc';
import { ExitCode, UsageError } from '../exit-codes.js';
import { runCaptured } from '../testing/capture-io.js';
import { renderError } from './render-error.js';

const hints = { endpoint: '127.0.0.1:50051', hasApiKey: true };

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

void describe('renderError', () => {
  void it('prints code, message, reason and field, and maps the code to the exit code', () => {
    const rendered = renderError(
      new GrpcError(Status.INVALID_ARGUMENT, 'page.page_size must not be negative', {
        reason: 'INVALID_PAGE_SIZE',
        field: 'page.page_size',
      }),
      hints,
    );
    assert.equal(
      rendered.text,
      'cairn: INVALID_ARGUMENT: page.page_size must not be negative (reason: INVALID_PAGE_SIZE, field: page.page_size)\n',
    );
    assert.equal(rendered.exitCode, ExitCode.FAILED);
    const expected: [Status, ExitCode][] = [
      [Status.UNAVAILABLE, ExitCode.UNAVAILABLE],
      [Status.DEADLINE_EXCEEDED, ExitCode.UNAVAILABLE],
      [Status.UNAUTHENTICATED, ExitCode.AUTH],
      [Status.PERMISSION_DENIED, ExitCode.AUTH],
      [Status.NOT_FOUND, ExitCode.FAILED],
      [Status.UNIMPLEMENTED, ExitCode.FAILED],
      [Status.INTERNAL, ExitCode.FAILED],
    ];
    for (const [code, exit] of expected)
      assert.equal(renderError(new GrpcError(code, 'x'), hints).exitCode, exit, Status[code]);
  });

  void it('adds a hint for nothing listening and for a missing or refused key', () => {
    assert.match(
      renderError(new GrpcError(Status.UNAVAILABLE, 'No connection established. Resolution note: '), hints)
        .text,
      /^cairn: UNAVAILABLE: No connection established\.\nhint: is Cairn running at 127\.0\.0\.1:50051\?/,
    );
    assert.match(
      renderError(new GrpcError(Status.UNAUTHENTICATED, 'missing API key'), { ...hints, hasApiKey: false })
        .text,
      /hint: no API key found: pass --api-key, set CAIRN_API_KEY, or run where `npm run up` wrote \.cairn\/api-key/,
    );
  });

  void it('points usage errors at the help of their command', () => {
    const rendered = renderError(new UsageError('--top must be …', 'search'), hints);
    assert.deepEqual(rendered, {
      text: 'cairn: --top must be …\n(see cairn search --help)\n',
      exitCode: ExitCode.USAGE,
    });
  });
});

void describe('cairn exit codes', { timeout: 30_000 }, () => {
  void it('exits 3 when nothing listens at the endpoint', async () => {
    const run = await runCaptured([
      'status',
      '--endpoint',
      `127.0.0.1:${await closedPort()}`,
      '--api-key',
      'k',
    ]);
    assert.equal(run.code, ExitCode.UNAVAILABLE);
    assert.match(run.stderr, /^cairn: UNAVAILABLE: .*\nhint: is Cairn running at 127\.0\.0\.1:\d+\?/);
  });

  void it('prints the help with exit 0, and exit 2 with a pointer for a bad command line', async () => {
    const help = await runCaptured(['--help']);
    assert.equal(help.code, ExitCode.OK);
    assert.match(help.stdout, /^cairn — the command line of Cairn/);
    assert.match(help.stdout, /\nExit codes:\n {2}0 {4}done\n {2}1 {4}the command failed/);
    for (const name of [
      'ingest',
      'search',
      'ask',
      'docs ls',
      'docs get',
      'docs rm',
      'audit query',
      'audit verify',
      'audit explain',
      'status',
    ])
      assert.match(help.stdout, new RegExp(`\\n  ${name}\\b`), name);
    const bad = await runCaptured(['status', '--jsn']);
    assert.deepEqual([bad.code, bad.stdout], [ExitCode.USAGE, '']);
    assert.equal(bad.stderr, "cairn: unknown option '--jsn'\n(see cairn status --help)\n");
  });
});
