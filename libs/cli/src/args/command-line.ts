import { parseArgs } from 'node:util';
import type { Command } from '../commands/command.js';
import { UsageError } from '../exit-codes.js';
import { GLOBAL_OPTIONS } from './global-options.js';
import type { OptionSpecs, ParsedValues } from './option-spec.js';

/** What the command line asks for. */
export type CommandLine =
  /** Help on a topic: '' (everything), a group (`docs`) or a command (`docs ls`). */
  | { readonly kind: 'help'; readonly topic: string }
  | { readonly kind: 'version' }
  | {
      readonly kind: 'run';
      readonly command: Command;
      readonly values: ParsedValues;
      readonly positionals: string[];
    };

/** The first words of the command names that have subcommands (`docs`, `audit`). */
export function groupsOf(commands: readonly Command[]): string[] {
  return [...new Set(commands.filter((c) => c.name.includes(' ')).map((c) => c.name.split(' ')[0] ?? ''))];
}

/**
 * Parses `argv` (without `node` and the script): finds the command words wherever global flags
 * are, then parses the rest strictly with the global and the command's flags. Throws
 * {@link UsageError} for unknown commands, unknown or malformed flags and wrong argument counts.
 */
export function parseCommandLine(argv: readonly string[], commands: readonly Command[]): CommandLine {
  const words = commandWords(argv, groupsOf(commands));
  const [first, second] = words.map((word) => word.text);
  const asksHelp = argv.includes('--help') || argv.includes('-h');
  if (first === undefined) {
    if (argv.includes('--version')) return { kind: 'version' };
    if (asksHelp) return { kind: 'help', topic: '' };
    throw new UsageError('no command given');
  }
  if (first === 'help')
    return {
      kind: 'help',
      topic: argv
        .filter((arg) => !arg.startsWith('-'))
        .slice(1)
        .join(' '),
    };
  const group = groupsOf(commands).includes(first) ? first : undefined;
  if (group !== undefined && second === undefined) {
    if (asksHelp) return { kind: 'help', topic: group };
    throw new UsageError(`${group} needs a subcommand: ${subcommandsOf(commands, group).join(', ')}`, group);
  }
  const name = group !== undefined ? `${group} ${second}` : first;
  const command = commands.find((candidate) => candidate.name === name);
  if (!command) {
    throw group !== undefined
      ? new UsageError(
          `unknown subcommand "${second}" of ${group} (one of ${subcommandsOf(commands, group).join(', ')})`,
          group,
        )
      : new UsageError(`unknown command "${first}"`);
  }
  const skip = new Set(words.map((word) => word.index));
  const rest = argv.filter((_, index) => !skip.has(index));
  const { values, positionals } = parseStrict(rest, { ...GLOBAL_OPTIONS, ...command.options }, name);
  if (values['help'] === true) return { kind: 'help', topic: name };
  const { min, max } = command.positionals;
  if (positionals.length < min)
    throw new UsageError(`${name}: missing argument (usage: cairn ${name} ${command.usage})`, name);
  if (positionals.length > max)
    throw new UsageError(`${name}: unexpected argument "${positionals[max] ?? ''}"`, name);
  return { kind: 'run', command, values, positionals };
}

function subcommandsOf(commands: readonly Command[], group: string): string[] {
  return commands.filter((c) => c.name.startsWith(`${group} `)).map((c) => c.name.slice(group.length + 1));
}

/** The command word and, for a group, the subcommand word, with their positions in `argv`. */
function commandWords(argv: readonly string[], groups: readonly string[]): { text: string; index: number }[] {
  const words: { text: string; index: number }[] = [];
  for (let index = 0; index < argv.length && words.length < 2; index++) {
    const arg = argv[index] ?? '';
    if (arg === '--') break;
    if (arg.startsWith('-')) {
      const name = arg.replace(/^--?/, '');
      if (!name.includes('=') && GLOBAL_OPTIONS[name]?.type === 'string') index++;
      continue;
    }
    words.push({ text: arg, index });
    if (!groups.includes(arg) || words.length === 2) break;
  }
  return words;
}

function parseStrict(
  args: string[],
  options: OptionSpecs,
  command: string,
): { values: ParsedValues; positionals: string[] } {
  const config = Object.fromEntries(
    Object.entries(options).map(([name, spec]) => [
      name,
      {
        type: spec.type,
        ...(spec.multiple ? { multiple: true } : {}),
        ...(spec.short ? { short: spec.short } : {}),
      },
    ]),
  );
  try {
    const parsed = parseArgs({ args, options: config, allowPositionals: true, strict: true });
    return { values: parsed.values, positionals: parsed.positionals };
  } catch (error) {
    // parseArgs explains how to pass a positional that starts with '-'; the first sentence is the error.
    const message = (error as Error).message.split('. ')[0] ?? String(error);
    throw new UsageError(message.replace(/^Unknown option/, 'unknown option'), command);
  }
}
