import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COMMANDS } from '../commands/index.js';
import { UsageError } from '../exit-codes.js';
import { parseCommandLine, type CommandLine } from './command-line.js';
import { intValue, keyValues, stringValues } from './values.js';

function run(argv: string[]): Extract<CommandLine, { kind: 'run' }> {
  const line = parseCommandLine(argv, COMMANDS);
  assert.equal(line.kind, 'run');
  return line;
}

function usageError(argv: string[], pattern: RegExp, command?: string): void {
  assert.throws(
    () => parseCommandLine(argv, COMMANDS),
    (error: unknown) => {
      assert.ok(error instanceof UsageError, String(error));
      assert.match(error.message, pattern);
      if (command !== undefined) assert.equal(error.command, command);
      return true;
    },
  );
}

void describe('parseCommandLine', () => {
  void it('finds the command wherever the global flags are, with their values', () => {
    const line = run([
      '--endpoint',
      'h:1',
      'search',
      '--top',
      '3',
      'travel policy',
      '--json',
      '--tenant=acme',
    ]);
    assert.equal(line.command.name, 'search');
    assert.deepEqual(line.positionals, ['travel policy']);
    assert.equal(line.values['endpoint'], 'h:1');
    assert.equal(line.values['top'], '3');
    assert.equal(line.values['json'], true);
    assert.equal(line.values['tenant'], 'acme');
  });

  void it('finds subcommands of docs and audit, also after global flags', () => {
    assert.equal(run(['docs', 'ls']).command.name, 'docs ls');
    assert.equal(run(['--api-key', 'k', 'audit', '--json', 'verify']).command.name, 'audit verify');
    const rm = run(['docs', 'rm', 'doc_a', 'doc_b']);
    assert.deepEqual(rm.positionals, ['doc_a', 'doc_b']);
  });

  void it('collects repeatable flags in order', () => {
    const line = run(['search', 'q', '--filter', 'lang=en', '--filter', 'team!=hr', '--collection', 'a']);
    assert.deepEqual(stringValues(line.values, 'filter'), ['lang=en', 'team!=hr']);
    assert.deepEqual(stringValues(line.values, 'collection'), ['a']);
  });

  void it('takes a positional that starts with - after --', () => {
    assert.deepEqual(run(['search', '--', '-negative query']).positionals, ['-negative query']);
  });

  void it('answers help and version', () => {
    assert.deepEqual(parseCommandLine(['--help'], COMMANDS), { kind: 'help', topic: '' });
    assert.deepEqual(parseCommandLine(['-h'], COMMANDS), { kind: 'help', topic: '' });
    assert.deepEqual(parseCommandLine(['help', 'docs', 'ls'], COMMANDS), { kind: 'help', topic: 'docs ls' });
    assert.deepEqual(parseCommandLine(['search', '--help'], COMMANDS), { kind: 'help', topic: 'search' });
    assert.deepEqual(parseCommandLine(['audit', '--help'], COMMANDS), { kind: 'help', topic: 'audit' });
    assert.deepEqual(parseCommandLine(['--version'], COMMANDS), { kind: 'version' });
  });

  void it('refuses what it does not understand, naming the command whose help to read', () => {
    usageError([], /no command given/, '');
    usageError(['serach', 'q'], /unknown command "serach"/, '');
    usageError(['docs'], /docs needs a subcommand: ls, get, rm/, 'docs');
    usageError(['audit', 'delete'], /unknown subcommand "delete" of audit/, 'audit');
    usageError(['search', 'q', '--bogus'], /^unknown option '--bogus'$/, 'search');
    usageError(['search'], /search: missing argument \(usage: cairn search <query> \[options\]\)/, 'search');
    usageError(['search', 'a', 'b'], /unexpected argument "b"/, 'search');
    usageError(['status', '--endpoint'], /--endpoint/, 'status');
    usageError(['docs', 'get'], /missing argument/, 'docs get');
  });
});

void describe('flag values', () => {
  void it('reads integers within bounds, or says what is wrong', () => {
    assert.equal(intValue({ top: '7' }, 'top', { min: 1, max: 100 }, 'search'), 7);
    assert.equal(intValue({}, 'top', { min: 1, fallback: 10 }, 'search'), 10);
    for (const bad of ['0', '101', '2.5', 'ten'])
      assert.throws(
        () => intValue({ top: bad }, 'top', { min: 1, max: 100 }, 'search'),
        /--top must be an integer between 1 and 100/,
      );
  });

  void it('reads key=value pairs', () => {
    assert.deepEqual(keyValues({ metadata: ['team=hr', 'note=a=b'] }, 'metadata', 'ingest'), [
      ['team', 'hr'],
      ['note', 'a=b'],
    ]);
    assert.throws(() => keyValues({ metadata: ['=x'] }, 'metadata', 'ingest'), /--metadata takes key=value/);
  });
});
