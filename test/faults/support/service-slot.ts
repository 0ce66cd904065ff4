import { appendFileSync } from 'node:fs';
import { startService, type StartedService } from '../../support/service-process.js';

/**
 * One service process that can be SIGKILLed and started again on the same data and groups, and on
 * the same gRPC port when it is still free (clients reconnect); `grpcAddress` says where it is now.
 */
export class ServiceSlot {
  current: StartedService | undefined;
  restarts = 0;
  private port = 0;

  constructor(
    readonly name: string,
    private readonly env: Record<string, string>,
    private readonly dataDir: string,
    private readonly groupPrefix: string,
    private readonly logFile: string,
  ) {}

  /** `host:port` of the running process's gRPC server. */
  get grpcAddress(): string {
    if (!this.current) throw new Error(`${this.name} has not started`);
    return this.current.grpcAddress;
  }

  /**
   * Starts the process: first on a port it picks itself, later on the port it had. Another process
   * may have taken that port meanwhile (an outgoing connection's ephemeral port): then on a new one.
   */
  async start(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        this.current = await startService({
          service: this.name,
          env: { ...this.env, CAIRN_GRPC_PORT: String(this.port), CAIRN_HTTP_PORT: '0' },
          dataDir: this.dataDir,
          groupPrefix: this.groupPrefix,
          timeoutMs: 90_000,
        });
        break;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        appendFileSync(this.logFile, `\n--- failed start ${this.restarts} ---\n${message}\n`);
        if (!message.includes('EADDRINUSE') || attempt >= 3) throw error;
        this.port = 0;
      }
    }
    this.port = Number(this.current.grpcAddress.split(':').at(-1));
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
