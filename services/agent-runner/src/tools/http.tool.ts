import {
  stringArg,
  toolError,
  type AgentTool,
  type ToolCallContext,
  type ToolOutcome,
} from './agent-tool.js';
import type { HostAllowlist } from './host-allowlist.js';

/** Limits of the http tool. */
export interface HttpToolOptions {
  readonly allowlist: HostAllowlist;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
const MAX_REDIRECTS = 3;

/**
 * `http`: calls a URL on the configured host allowlist (every redirect is checked too). Calls other
 * than GET carry `Idempotency-Key: <run id>:<step>`, so a call repeated after a crash can be applied
 * once by a server that honours the header. The response body is cut to `maxResponseBytes`.
 */
export class HttpTool implements AgentTool {
  readonly name = 'http';
  readonly definition = {
    name: 'http',
    description: 'Calls an HTTP API on an allowed host and returns the status and the response body.',
    parameters: {
      type: 'object',
      properties: {
        method: { type: 'string', enum: [...METHODS], description: 'HTTP method (default GET).' },
        url: { type: 'string', description: 'Absolute http(s) URL.' },
        body: { type: 'string', description: 'Request body (JSON text for JSON APIs).' },
      },
      required: ['url'],
      additionalProperties: false,
    },
  } as const;

  constructor(private readonly options: HttpToolOptions) {}

  async execute(args: Record<string, unknown>, context: ToolCallContext): Promise<ToolOutcome> {
    const method = (stringArg(args, 'method') ?? 'GET').toUpperCase();
    if (!(METHODS as readonly string[]).includes(method))
      return toolError(`http: method must be one of ${METHODS.join(', ')}`);
    const target = stringArg(args, 'url');
    let url: URL;
    try {
      url = new URL(target ?? '');
    } catch {
      return toolError('http needs an absolute "url" argument');
    }
    const body = typeof args['body'] === 'string' ? args['body'] : undefined;
    const signal = AbortSignal.any([context.signal, AbortSignal.timeout(this.options.timeoutMs)]);
    const headers: Record<string, string> = { 'user-agent': 'cairn-agent-runner' };
    if (method !== 'GET') headers['idempotency-key'] = context.idempotencyKey;
    if (body !== undefined) headers['content-type'] = 'application/json';
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const refusal = this.options.allowlist.refusal(url);
      if (refusal) return toolError(`http: ${refusal}`);
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers,
          redirect: 'manual',
          signal,
          ...(body !== undefined && method !== 'GET' ? { body } : {}),
        });
      } catch (error) {
        context.signal.throwIfAborted();
        return toolError(`http: ${method} ${url.origin}${url.pathname} failed: ${(error as Error).message}`);
      }
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        url = new URL(location, url);
        continue;
      }
      const text = await readCapped(response, this.options.maxResponseBytes);
      return {
        content: `HTTP ${response.status}\n${text}`,
        isError: response.status >= 400,
      };
    }
    return toolError(`http: more than ${MAX_REDIRECTS} redirects`);
  }
}

/** The body as text, cut at `max` bytes (the cut is said). */
async function readCapped(response: Response, max: number): Promise<string> {
  const reader = (response.body as ReadableStream<Uint8Array> | null)?.getReader();
  if (!reader) return '';
  const parts: Uint8Array[] = [];
  let size = 0;
  let cut = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    size += value.byteLength;
    if (size > max) {
      cut = true;
      await reader.cancel();
      break;
    }
  }
  const text = Buffer.concat(parts).subarray(0, max).toString('utf8');
  return cut ? `${text}\n[response cut at ${max} bytes]` : text;
}
