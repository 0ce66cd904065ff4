import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ToolCallContext } from './agent-tool.js';
import { HostAllowlist } from './host-allowlist.js';
import { HttpTool } from './http.tool.js';

void describe('HttpTool', () => {
  let server: Server;
  let host = '';
  const seen: { method: string; path: string; key: string | undefined }[] = [];

  before(async () => {
    server = createServer((req, res) => {
      seen.push({
        method: req.method ?? '',
        path: req.url ?? '',
        key: req.headers['idempotency-key'] as string | undefined,
      });
      if (req.url === '/away') {
        res.writeHead(302, { location: 'https://evil.example.org/steal' });
        res.end();
        return;
      }
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'text/plain' });
      res.end(req.url === '/big' ? 'x'.repeat(5000) : `hello ${req.method}`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const tool = () =>
    new HttpTool({ allowlist: new HostAllowlist([host]), timeoutMs: 5_000, maxResponseBytes: 1_000 });
  const context = (key = 'run-1:4'): ToolCallContext => ({
    tenant: 't',
    runId: 'run-1',
    agent: 'a',
    userId: 'u',
    principal: 'p',
    idempotencyKey: key,
    collections: [],
    retrieval: { topK: 5, tokenBudget: 500, minScore: 0, diversify: false, mode: 0 },
    signal: new AbortController().signal,
  });

  void it('calls allowed URLs with the step’s idempotency key on writes, and cuts long bodies', async () => {
    const got = await tool().execute({ url: `http://${host}/hello` }, context());
    assert.deepEqual(got, { content: 'HTTP 200\nhello GET', isError: false });
    const posted = await tool().execute(
      { method: 'post', url: `http://${host}/orders`, body: '{}' },
      context(),
    );
    assert.equal(posted.content, 'HTTP 200\nhello POST');
    assert.deepEqual(seen.at(-1), { method: 'POST', path: '/orders', key: 'run-1:4' });
    assert.equal(seen.at(-2)?.key, undefined, 'GET carries no idempotency key');
    const big = await tool().execute({ url: `http://${host}/big` }, context());
    assert.match(big.content, /\[response cut at 1000 bytes\]$/);
    const missing = await tool().execute({ url: `http://${host}/missing` }, context());
    assert.equal(missing.isError, true);
  });

  void it('refuses hosts off the allowlist, also when a redirect leads there, and bad arguments', async () => {
    const before = seen.length;
    const refused = await tool().execute({ url: 'https://evil.example.org/' }, context());
    assert.match(refused.content, /not on the http tool's allowlist/);
    assert.equal(seen.length, before, 'nothing was sent');
    const redirected = await tool().execute({ url: `http://${host}/away` }, context());
    assert.deepEqual([redirected.isError, /evil\.example\.org/.test(redirected.content)], [true, true]);
    assert.match((await tool().execute({ url: 'not a url' }, context())).content, /absolute "url"/);
    assert.match(
      (await tool().execute({ method: 'TRACE', url: `http://${host}/` }, context())).content,
      /method must be/,
    );
  });
});
