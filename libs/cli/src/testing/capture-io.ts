import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliEnvironment } from '@cairn/config';
import { runCli } from '../cli.js';
import type { ExitCode } from '../exit-codes.js';
import type { CliIo, OutputStream } from '../io.js';

/** An output stream that keeps what was written. */
export class CapturedStream implements OutputStream {
  private readonly chunks: string[] = [];

  constructor(
    readonly isTTY = false,
    readonly columns = 100,
    private readonly onWrite?: (text: string) => void,
  ) {}

  write(text: string): boolean {
    this.chunks.push(text);
    this.onWrite?.(text);
    return true;
  }

  get text(): string {
    return this.chunks.join('');
  }
}

/** What one in-process run of the CLI printed and exited with. */
export interface CliRun {
  readonly code: ExitCode;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link runCaptured}. */
export interface RunCapturedOptions {
  /** Default: a fresh empty temp directory (no `.cairn/api-key`). */
  readonly cwd?: string;
  readonly env?: CliEnvironment;
  /** Pretend stderr is a terminal (the progress bar draws). */
  readonly tty?: boolean;
  readonly signal?: AbortSignal;
  /** Called with each piece written to stderr, as it is written. */
  readonly onStderr?: (text: string) => void;
}

/** Runs `cairn <argv>` in-process and captures its output. */
export async function runCaptured(
  argv: readonly string[],
  options: RunCapturedOptions = {},
): Promise<CliRun> {
  const stdout = new CapturedStream();
  const stderr = new CapturedStream(options.tty ?? false, 100, options.onStderr);
  const io: CliIo = {
    stdout,
    stderr,
    cwd: options.cwd ?? mkdtempSync(join(tmpdir(), 'cairn-cli-')),
    env: options.env ?? {},
  };
  const code = await runCli(argv, io, options.signal);
  return { code, stdout: stdout.text, stderr: stderr.text };
}
