import { appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { startService, type StartedService } from '../../support/service-process.js';

/** One service process that can be SIGKILLed and started again on the same ports, data and groups. */
export class ServiceSlot {
  current: StartedService | undefined;
  restarts = 0;

  constructor(
    readonly name: string,
    readonly grpcAddress: string,
    private readonly env: Record<string, string>,
    private readonly dataDir: string,
    private readonly groupPrefix: string,
    private readonly logFile: string,
  ) {}

  async start(): Promise<void> {
    this.current = await startService({
      service: this.name,
      env: this.env,
      dataDir: this.dataDir,
      groupPrefix: this.groupPrefix,
      timeoutMs: 90_000,
    });
    const child = this.current.child;
    const log = (chunk: Buffer): void => appendFileSync(this.logFile, chunk);
    appendFileSync(this.logFile, `\n--- start ${this.restarts} ---\n${this.current.output()}`);
    child.stdout?.on('data', log);
    child.stderr?.on('data', log);
  }

  /** SIGKILL: no shutdown hook runs, in-flight work is cut where it is. */
  async kill(): Promise<void> {
    const service = this.current;
    if (!service || service.child.exitCode !== null || service.child.signalCode !== null) return;
    const exited = new Promise((resolve) => service.child.once('exit', resolve));
    service.child.kill('SIGKILL');
    await exited;
    appendFileSync(this.logFile, `\n--- SIGKILL ---\n`);
  }

  async restart(): Promise<void> {
    await this.kill();
    this.restarts++;
    await this.start();
  }

  /** SIGTERM; the exit code (null when it was not running). */
  async stop(): Promise<number | null> {
    const service = this.current;
    if (!service || service.child.exitCode !== null || service.child.signalCode !== null) return null;
    return service.stop();
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
