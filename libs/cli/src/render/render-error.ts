import { GrpcError, Status } from '@cairn/grpc';
import { ExitCode, exitCodeOfStatus, UsageError } from '../exit-codes.js';

/** What the CLI knows about the connection, for hints next to an error. */
export interface ErrorHints {
  readonly endpoint: string;
  /** False when no API key was found in the flags, the environment or `.cairn/api-key`. */
  readonly hasApiKey: boolean;
}

/** A failure as printed on stderr, and the code to exit with. */
export interface RenderedError {
  readonly text: string;
  readonly exitCode: ExitCode;
}

/**
 * `cairn: <CODE>: <message> (reason: <REASON>, field: <field>)` for a gRPC error, with a hint on
 * what to do for the errors a new user meets (nothing listening, no key); usage errors point at
 * the help.
 */
export function renderError(error: unknown, hints: ErrorHints): RenderedError {
  if (error instanceof UsageError) {
    const help = error.command ? `cairn ${error.command} --help` : 'cairn --help';
    return { text: `cairn: ${error.message}\n(see ${help})\n`, exitCode: ExitCode.USAGE };
  }
  if (error instanceof GrpcError) {
    const detail = error.details?.reason
      ? ` (reason: ${error.details.reason}${error.details.field ? `, field: ${error.details.field}` : ''})`
      : '';
    const hint = hintFor(error.code, hints);
    // grpc-js ends connection errors with an empty "Resolution note: ".
    const message = error.message.replace(/\s*Resolution note:\s*$/, '');
    return {
      text: `cairn: ${error.codeName}: ${message}${detail}\n${hint ? `${hint}\n` : ''}`,
      exitCode: exitCodeOfStatus(error.code),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { text: `cairn: ${message}\n`, exitCode: ExitCode.FAILED };
}

function hintFor(code: Status, hints: ErrorHints): string | undefined {
  if (code === Status.UNAVAILABLE)
    return `hint: is Cairn running at ${hints.endpoint}? Start it with \`npm run up\`, or pass --endpoint (or set CAIRN_ENDPOINT).`;
  if (code === Status.UNAUTHENTICATED)
    return hints.hasApiKey
      ? 'hint: the API key was not accepted; check --api-key, CAIRN_API_KEY or .cairn/api-key.'
      : 'hint: no API key found: pass --api-key, set CAIRN_API_KEY, or run where `npm run up` wrote .cairn/api-key.';
  return undefined;
}
