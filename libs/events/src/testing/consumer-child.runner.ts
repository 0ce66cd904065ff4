import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { ConsumerChildConfig } from './consumer-child.js';

/** A running `consumer-child.js` process. */
export interface ConsumerChildHandle {
  readonly pid: number | undefined;
  /** Throws (with the child's output) when the process already exited. */
  assertAlive(): void;
  /** Sends `signal` and resolves once the process exited (SIGKILL after 20 s if it ignores SIGTERM). */
  kill(signal: 'SIGKILL' | 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const script = fileURLToPath(new URL('./consumer-child.js', import.meta.url));

/** Spawns the crash-test consumer in a child Node process. */
export function runConsumerChild(config: ConsumerChildConfig): ConsumerChildHandle {
  const child: ChildProcess = spawn(process.execPath, [script, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const hasExited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  return {
    pid: child.pid,
    assertAlive: () => {
      if (hasExited())
        throw new Error(
          `consumer child exited (code ${child.exitCode}, signal ${child.signalCode}):\n${output}`,
        );
    },
    kill: async (signal) => {
      if (!hasExited()) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      try {
        const [code, exitSignal] = await exited;
        return { code, signal: exitSignal };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
