import { ModelError } from '../model-error.js';

/** One server-sent event: its `event` field (default `message`) and its joined `data` lines. */
export interface ServerSentEvent {
  readonly event: string;
  readonly data: string;
}

/**
 * Parses a `text/event-stream` body into events (WHATWG rules: LF, CRLF or CR line ends, `:` comments,
 * multi-line `data`, an event ends at a blank line). A body that ends inside an event yields it too.
 */
export async function* parseServerSentEvents(
  body: AsyncIterable<Uint8Array>,
): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let sawCr = false;
  const dispatch = function* (): Generator<ServerSentEvent> {
    if (data.length > 0) yield { event: event || 'message', data: data.join('\n') };
    event = '';
    data = [];
  };
  const line = function* (text: string): Generator<ServerSentEvent> {
    if (text === '') {
      yield* dispatch();
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
  };
  const decode = (bytes: Uint8Array | undefined, stream: boolean): string => {
    try {
      return decoder.decode(bytes, { stream });
    } catch (err) {
      throw new ModelError('protocol', 'the event stream is not valid UTF-8', undefined, { cause: err });
    }
  };
  const drain = function* (text: string): Generator<ServerSentEvent> {
    buffer += text;
    let start = 0;
    for (let i = 0; i < buffer.length; i++) {
      const ch = buffer[i];
      if (ch === '\n' && sawCr && i === start) {
        // the LF of a CRLF whose CR ended the previous line
        start = i + 1;
        sawCr = false;
        continue;
      }
      sawCr = false;
      if (ch === '\n' || ch === '\r') {
        yield* line(buffer.slice(start, i));
        sawCr = ch === '\r';
        start = i + 1;
      }
    }
    buffer = buffer.slice(start);
  };
  for await (const chunk of body) yield* drain(decode(chunk, true));
  yield* drain(decode(undefined, false));
  if (buffer !== '') yield* line(buffer);
  yield* dispatch();
}
