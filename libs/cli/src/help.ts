import { GLOBAL_OPTIONS } from './args/global-options.js';
import type { OptionSpecs } from './args/option-spec.js';
import type { Command } from './commands/command.js';
import { UsageError } from './exit-codes.js';
import { columns } from './render/text.js';

const EXIT_CODES = [
  ['0', 'done'],
  [
    '1',
    'the command failed: a document failed, the audit chain is broken, something is unhealthy, a call failed',
  ],
  ['2', 'usage error: unknown command, bad flag or argument'],
  ['3', 'Cairn cannot be reached or did not answer in time (UNAVAILABLE, DEADLINE_EXCEEDED)'],
  ['4', 'the API key is missing or wrong (UNAUTHENTICATED) or lacks the role (PERMISSION_DENIED)'],
  ['130', 'interrupted (Ctrl-C); the call in flight is cancelled'],
];

const EXAMPLES = [
  'npm run up                                   # starts Cairn, writes the dev key to .cairn/api-key',
  'cairn ingest docs/ "notes/**/*.md" --collection handbook',
  'cairn search "which class do I fly?" --top 3 --filter team=travel',
  'cairn ask "which class do I fly?"',
  'cairn docs ls --status failed',
  'cairn audit verify',
  'cairn status --json | jq .healthy',
];

/** `cairn --help`: commands, global options, exit codes, examples. */
export function topHelp(commands: readonly Command[]): string {
  const list = [
    ...commands.map((command) => [`${command.name} ${usageWords(command)}`.trim(), command.summary]),
    ['help [command]', 'show the help of a command'],
  ];
  return [
    'cairn — the command line of Cairn: ingest documents, search them, ask agents, read the audit trail.',
    'Speaks gRPC to a Cairn endpoint (the all-in-one of `npm run up`, or a deployment).',
    '',
    'Usage: cairn <command> [options]',
    '',
    'Commands:',
    ...columns(list, '  '),
    '',
    'Global options (any command, anywhere on the line):',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'Exit codes:',
    ...columns(EXIT_CODES, '  '),
    '',
    'Errors are printed on stderr as `cairn: <gRPC code>: <message> (reason: <REASON>)`.',
    '',
    'Examples:',
    ...EXAMPLES.map((line) => `  ${line}`),
    '',
  ].join('\n');
}

/** The help of a group (`docs`) or a command (`docs ls`). */
export function commandHelp(commands: readonly Command[], topic: string): string {
  const command = commands.find((candidate) => candidate.name === topic);
  if (!command) {
    const members = commands.filter((candidate) => candidate.name.startsWith(`${topic} `));
    if (members.length === 0) throw new UsageError(`no help on "${topic}": unknown command`);
    return [
      `Usage: cairn ${topic} <subcommand> [options]`,
      '',
      'Subcommands:',
      ...columns(
        members.map((member) => [`${member.name} ${usageWords(member)}`.trim(), member.summary]),
        '  ',
      ),
      '',
      `See cairn ${topic} <subcommand> --help.`,
      '',
    ].join('\n');
  }
  return [
    `Usage: cairn ${command.name} ${command.usage}`.trimEnd(),
    '',
    command.description ?? command.summary,
    '',
    ...(Object.keys(command.options).length > 0 ? ['Options:', ...optionLines(command.options), ''] : []),
    'Global options: --endpoint, --api-key, --tenant, --json, --tls, --ca-file, --timeout (see cairn --help).',
    ...(command.examples ? ['', 'Examples:', ...command.examples.map((line) => `  ${line}`)] : []),
    '',
  ].join('\n');
}

/** The arguments of a usage line, without its flags (`<query>` of `<query> [options]`). */
function usageWords(command: Command): string {
  return command.usage.startsWith('--') ? '' : command.usage.replace(/\s*\[options\]$/, '');
}

function optionLines(options: OptionSpecs): string[] {
  return columns(
    Object.entries(options).map(([name, spec]) => [
      `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.value ? ` <${spec.value}>` : ''}`,
      `${spec.description}${spec.multiple ? ' (repeatable)' : ''}`,
    ]),
    '  ',
  );
}
