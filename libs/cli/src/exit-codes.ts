import { Status } from '@cairn/grpc';

/** What `cairn` exits with (documented in `cairn --help` and docs/cli.md). */
export const ExitCode = {
  /** Done. */
  OK: 0,
  /** The command ran and failed: a document failed, the chain is broken, something is unhealthy, an RPC failed. */
  FAILED: 1,
  /** Bad flags or arguments. */
  USAGE: 2,
  /** Cairn cannot be reached, or did not answer in time (UNAVAILABLE, DEADLINE_EXCEEDED). */
  UNAVAILABLE: 3,
  /** The API key is missing or wrong (UNAUTHENTICATED), or lacks the role (PERMISSION_DENIED). */
  AUTH: 4,
  /** Interrupted (Ctrl-C); the call in flight was cancelled. */
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

const UNREACHABLE: ReadonlySet<Status> = new Set([Status.UNAVAILABLE, Status.DEADLINE_EXCEEDED]);
const REFUSED: ReadonlySet<Status> = new Set([Status.UNAUTHENTICATED, Status.PERMISSION_DENIED]);

/** The exit code of a failed RPC: 3 unreachable, 4 refused, 1 any other failure. */
export function exitCodeOfStatus(code: Status): ExitCode {
  if (UNREACHABLE.has(code)) return ExitCode.UNAVAILABLE;
  if (REFUSED.has(code)) return ExitCode.AUTH;
  return ExitCode.FAILED;
}

/** Wrong flags or arguments: printed with a pointer to the help, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';

  constructor(
    message: string,
    /** Command whose help to point at (`search`, `docs ls`); empty = the top level. */
    readonly command = '',
  ) {
    super(message);
  }
}
