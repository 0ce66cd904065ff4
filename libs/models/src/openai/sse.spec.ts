import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ModelError } from '../model-error.js';
import { retryAfterMs } from './retry-policy.js';
import { parseServerSentEvents, type ServerSentEvent } from './sse.js';

async function parse(...chunks: (string | Uint8Array)[]): Promise<ServerSentEvent[]> {
  async function* body(): AsyncGenerator<Uint8Array> {
    for (const c of chunks) yield typeof c === 'string' ? new TextEncoder().encode(c) : c;
  }
  const out: ServerSentEvent[] = [];
  for await (const event of parseServerSentEvents(body())) out.push(event);
  return out;
}

void describe('parseServerSentEvents', () => {
  void it('splits events at blank lines whatever the line ends, across arbitrary chunk cuts', async () => {
    const text = 'data: one\n\ndata: two\r\n\r\ndata: three\r\rdata: {"a":1}\n\n';
    const whole = await parse(text);
    assert.deepEqual(
      whole.map((e) => e.data),
      ['one', 'two', 'three', '{"a":1}'],
    );
    for (let cut = 1; cut < text.length; cut++)
      assert.deepEqual(await parse(text.slice(0, cut), text.slice(cut)), whole, `cut at ${cut}`);
  });

  void it('joins multi-line data, skips comments and reads the event field', async () => {
    assert.deepEqual(await parse(': keep-alive\n\nevent: error\ndata: line 1\ndata:line 2\n\n'), [
      { event: 'error', data: 'line 1\nline 2' },
    ]);
  });

  void it('keeps a multi-byte character cut between chunks, and yields a last event with no blank line', async () => {
    const bytes = new TextEncoder().encode('data: café ☕\n\ndata: end');
    assert.deepEqual(
      (await parse(bytes.slice(0, 10), bytes.slice(10))).map((e) => e.data),
      ['café ☕', 'end'],
    );
  });

  void it('rejects bytes that are not UTF-8 with a protocol error', async () => {
    await assert.rejects(parse(new Uint8Array([0x64, 0x61, 0x74, 0x61, 0x3a, 0xff, 0x0a, 0x0a])), (err) => {
      assert.ok(err instanceof ModelError);
      assert.equal(err.code, 'protocol');
      return true;
    });
  });
});

void describe('retryAfterMs', () => {
  const now = Date.parse('2026-11-25T12:00:00Z');
  void it('reads seconds, an HTTP date and retry-after-ms', () => {
    assert.equal(retryAfterMs(new Headers({ 'retry-after': '3' }), now), 3000);
    assert.equal(retryAfterMs(new Headers({ 'retry-after': 'Wed, 25 Nov 2026 12:00:05 GMT' }), now), 5000);
    assert.equal(retryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '1' }), now), 250);
    assert.equal(retryAfterMs(new Headers({ 'retry-after': 'soon' }), now), undefined);
    assert.equal(retryAfterMs(new Headers(), now), undefined);
  });
});
