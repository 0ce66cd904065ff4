import { readFileSync } from 'node:fs';
import { parseCommandLine } from './args/command-line.js';
import { resolveGlobalOptions, type GlobalOptions } from './args/global-options.js';
import { Channels } from './channels.js';
import type { Command } from './commands/command.js';
import { COMMANDS } from './commands/index.js';
import { ExitCode } from './exit-codes.js';
import { commandHelp, topHelp } from './help.js';
import type { CliIo } from './io.js';
import { renderError } from './render/render-error.js';

/**
 * Runs one `cairn` command line and resolves with the exit code; never throws. Output goes to
 * `io.stdout` (results) and `io.stderr` (progress, steps, errors). `signal` interrupts it (Ctrl-C).
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  signal: AbortSignal = new AbortController().signal,
  commands: readonly Command[] = COMMANDS,
): Promise<ExitCode> {
  let global: GlobalOptions | undefined;
  let channels: Channels | undefined;
  try {
    const line = parseCommandLine(argv, commands);
    if (line.kind === 'help') {
      io.stdout.write(line.topic ? commandHelp(commands, line.topic) : topHelp(commands));
      return ExitCode.OK;
    }
    if (line.kind === 'version') {
      io.stdout.write(`cairn ${version()}\n`);
      return ExitCode.OK;
    }
    const options = resolveGlobalOptions(line.values, io, line.command.name);
    global = options;
    const open = new Channels(options);
    channels = open;
    return await line.command.run({
      io,
      global: options,
      values: line.values,
      positionals: line.positionals,
      signal,
      client: (service) => open.client(service),
      unary: () => ({ deadlineMs: options.timeoutMs, signal }),
      stream: () => ({ signal }),
    });
  } catch (error) {
    if (signal.aborted) {
      io.stderr.write('cairn: interrupted\n');
      return ExitCode.INTERRUPTED;
    }
    const rendered = renderError(error, {
      endpoint: global?.endpoint ?? '',
      hasApiKey: global?.apiKey !== undefined,
    });
    io.stderr.write(rendered.text);
    return rendered.exitCode;
  } finally {
    channels?.close();
  }
}

function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  return manifest.version ?? 'unknown';
}
