import type { CliEnvironment } from '@cairn/config';

/** Where output goes; `isTTY` decides whether a progress bar is drawn. */
export interface OutputStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  /** Width of the terminal, when it is one. */
  readonly columns?: number;
}

/** Everything the CLI touches outside itself, so that tests can run it in-process. */
export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** Directory relative paths (inputs, `.cairn/api-key`, external ids) are resolved against. */
  readonly cwd: string;
  /** `CAIRN_ENDPOINT`, `CAIRN_API_KEY`, `CAIRN_TENANT`. */
  readonly env: CliEnvironment;
}
