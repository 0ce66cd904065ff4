import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { HealthRegistry } from './health.js';
import type { Logger } from './logger.js';

export interface OpsHttpServerOptions {
  readonly host: string;
  readonly port: number;
  readonly health: HealthRegistry;
  readonly metrics: Registry;
  readonly logger: Logger;
}

/** The operations endpoint of every process: `/healthz` (alive), `/readyz` (dependencies answer), `/metrics`. */
export class OpsHttpServer {
  private server: Server | undefined;

  constructor(private readonly options: OpsHttpServerOptions) {}

  /** Starts listening; resolves with the bound port. */
  async start(): Promise<number> {
    const server = createServer((req, res) => {
      this.route(req, res).catch((error: unknown) => {
        this.options.logger.error({ err: error, path: req.url }, 'ops http request failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal error\n');
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    switch (path) {
      case '/healthz': {
        const alive = this.options.health.alive;
        res.writeHead(alive ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: alive ? 'ok' : 'shutting down' }));
        return;
      }
      case '/readyz': {
        const report = await this.options.health.readiness();
        res.writeHead(report.ready ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify(report));
        return;
      }
      case '/metrics': {
        const body = await this.options.metrics.metrics();
        res.writeHead(200, { 'content-type': this.options.metrics.contentType });
        res.end(body);
        return;
      }
      default:
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  }
}
