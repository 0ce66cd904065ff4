import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the server received. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * A loopback HTTP API for the agents' http tool: records every request and answers JSON. The same
 * `idempotency-key` is applied once: a repeated key gets the first answer again, and `effects`
 * counts each key once, as an idempotent server would.
 */
export class RecordingHttpServer {
  readonly requests: RecordedRequest[] = [];
  readonly effects = new Map<string, number>();
  private server: Server | undefined;
  private hold: ((request: RecordedRequest) => Promise<void>) | undefined;

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const recorded = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
        this.requests.push(recorded);
        const key = req.headers['idempotency-key'];
        const first = typeof key === 'string' && !this.effects.has(key);
        if (typeof key === 'string') this.effects.set(key, (this.effects.get(key) ?? 0) + (first ? 1 : 0));
        void (this.hold ? this.hold(recorded) : Promise.resolve()).then(() => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ ok: true, path: recorded.path, applied: first }));
        });
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Delays answers until `gate` resolves for the request. */
  holdWith(gate: ((request: RecordedRequest) => Promise<void>) | undefined): void {
    this.hold = gate;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
