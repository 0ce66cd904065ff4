export { runCli } from './cli.js';
export { ExitCode, UsageError } from './exit-codes.js';
export type { CliIo, OutputStream } from './io.js';
export type { Command, CommandContext } from './commands/command.js';
export { COMMANDS } from './commands/index.js';
