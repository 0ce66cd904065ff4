#!/usr/bin/env node
import { cliEnvironment } from '@cairn/config';
import { runCli } from './cli.js';

// `cairn …`: Ctrl-C cancels the call in flight (an agent run is cancelled with it), a second one quits.
const interrupt = new AbortController();
process.once('SIGINT', () => {
  interrupt.abort();
  process.once('SIGINT', () => process.exit(130));
});
process.exitCode = await runCli(
  process.argv.slice(2),
  { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: cliEnvironment() },
  interrupt.signal,
);
