import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMarkdownTree } from './markdown.parser.js';
import { parseSimpleMarkdown } from './simple-markdown.parser.js';
import { seededRandom } from '@cairn/testing';

const PIECES = [
  'Cairns',
  'guide',
  'walkers',
  'across',
  'ground.',
  'élan',
  '3.14',
  '2026',
  '`code`',
  '`a*b`',
  'C#',
  'x#',
  '!',
  'a:b',
  '"quoted"',
  '*emphasis*',
  '_under_',
  '[link](u)',
  '<b>',
  '&amp;',
  '\\*',
  '~strike~',
  'a|b',
  '``',
  '`open',
];
const HAZARD_STARTS = ['####### ', '* ', '1. ', '> ', '    ', ' ', '#', '-'];
const ODD_LINES = ['   ', '---', '===', '```', '- ', '#', '# ', 'Text  ', 'Tab\there', 'CR\r'];

/** Blocks of the simple subset (headings, paragraphs, lists), with a hazard now and then. */
function randomDocument(next: () => number): string {
  const pick = <T>(items: readonly T[], n = items.length): T => items[Math.floor(next() * n)]!;
  const hazard = (): boolean => next() < 0.04;
  const text = (): string =>
    Array.from({ length: 1 + Math.floor(next() * 6) }, () =>
      pick(PIECES, hazard() ? PIECES.length : 10),
    ).join(' ');
  const line = (start: string): string => (hazard() ? pick(HAZARD_STARTS) : start) + text();
  const lines: string[] = [];
  const blocks = 1 + Math.floor(next() * 8);
  for (let b = 0; b < blocks; b++) {
    if (hazard()) lines.push(pick(ODD_LINES));
    const kind = next();
    const size = 1 + Math.floor(next() * 3);
    if (kind < 0.25) lines.push(line(`${'#'.repeat(1 + Math.floor(next() * 6))} `));
    else if (kind < 0.5) for (let i = 0; i < size; i++) lines.push(line('- '));
    else for (let i = 0; i < size; i++) lines.push(line(''));
    if (next() < 0.85) lines.push('');
  }
  return lines.join('\n');
}

void describe('parseSimpleMarkdown (the fast path of parseMarkdown)', () => {
  void it('builds exactly what the mdast path builds whenever it accepts a document', () => {
    const next = seededRandom(9);
    let accepted = 0;
    for (let n = 0; n < 5_000; n++) {
      const source = randomDocument(next);
      const fast = parseSimpleMarkdown(source);
      if (fast === undefined) continue;
      accepted++;
      assert.deepEqual(fast, parseMarkdownTree(source), JSON.stringify(source));
    }
    assert.ok(accepted > 500, `the fast path took ${accepted} of 5000 documents`);
  });

  void it('takes documents of headings, paragraphs and simple lists, with code spans', () => {
    const source = [
      '# Field notes',
      '',
      'Cairns guide walkers across `open` ground.',
      'Rangers rebuild them every spring.',
      '',
      '## Stones',
      'The 2026 survey counted 3.14 per km.',
      '',
      '- `granite` lasts longest.',
      '- Slate splits in frost.',
      '',
      '- A loose item.',
      '',
      'Élan and naïve text stay as they are.',
    ].join('\n');
    const fast = parseSimpleMarkdown(source);
    assert.ok(fast, 'accepted');
    assert.deepEqual(fast, parseMarkdownTree(source));
    assert.equal(fast.title, 'Field notes');
    assert.deepEqual(
      fast.sections.map((s) => s.headingPath),
      [['Field notes'], ['Field notes', 'Stones']],
    );
  });

  void it('leaves every other construct to mdast', () => {
    for (const source of [
      'Some *emphasis* here.',
      'A [link](https://example.com).',
      'Text\n# Heading right after a paragraph',
      '- item\nlazy continuation',
      'Paragraph\n- list right after it',
      '1. ordered',
      '> quoted',
      '    indented code',
      '```\nfenced\n```',
      'Setext\n===',
      'Hard break  \nnext',
      'Tab\tseparated',
      'Windows\r\nline ends',
      'An &amp; entity',
      '# Closing hashes #',
      '- - nested',
      '<div>html</div>',
      'Unclosed `code span',
    ]) {
      assert.equal(parseSimpleMarkdown(source), undefined, JSON.stringify(source));
    }
  });
});
