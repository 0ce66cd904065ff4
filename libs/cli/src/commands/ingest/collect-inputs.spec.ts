import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { collectInputs, nameOf } from './collect-inputs.js';

void describe('collectInputs', () => {
  let cwd: string;
  before(() => {
    cwd = mkdtempSync(join(tmpdir(), 'cairn-cli-inputs-'));
    const files: [string, string][] = [
      ['README.md', '# Readme'],
      ['docs/guide.markdown', '# Guide'],
      ['docs/a.txt', 'a'],
      ['docs/page.HTM', '<p>x</p>'],
      ['docs/deep/data.json', '{}'],
      ['docs/deep/paper.pdf', '%PDF-1.4'],
      ['docs/deep/logo.png', 'png'],
      ['docs/.hidden/secret.md', 'no'],
      ['docs/node_modules/dep/readme.md', 'no'],
      ['notes/one.md', '1'],
      ['notes/two.txt', '2'],
      ['image.png', 'png'],
    ];
    for (const [path, text] of files) {
      mkdirSync(join(cwd, path, '..'), { recursive: true });
      writeFileSync(join(cwd, path), text);
    }
  });

  void it('walks directories: known types, sorted, without dot-entries and node_modules; counts the rest', async () => {
    const found = await collectInputs(['docs'], cwd);
    assert.deepEqual(
      found.files.map((f) => [f.name, f.mimeType]),
      [
        ['docs/a.txt', 'text/plain'],
        ['docs/deep/data.json', 'application/json'],
        ['docs/deep/paper.pdf', 'application/pdf'],
        ['docs/guide.markdown', 'text/markdown'],
        ['docs/page.HTM', 'text/html'],
      ],
    );
    assert.equal(found.skipped, 1, 'logo.png');
    assert.deepEqual(found.rejected, []);
  });

  void it('expands globs, lists each file once, and refuses a named file of an unknown type', async () => {
    const found = await collectInputs(
      ['notes/*.md', 'README.md', 'notes/one.md', 'image.png', '**/*.txt'],
      cwd,
    );
    assert.deepEqual(
      found.files.map((f) => f.name),
      ['notes/one.md', 'README.md', 'docs/a.txt', 'notes/two.txt'],
    );
    assert.deepEqual(
      found.rejected.map((r) => [r.name, r.reason]),
      [['image.png', 'UNSUPPORTED_MEDIA_TYPE']],
    );
  });

  void it('reports paths and patterns that name nothing', async () => {
    const found = await collectInputs(['missing.md', 'nothing/*.md'], cwd);
    assert.deepEqual(
      found.rejected.map((r) => [r.name, r.reason, r.message]),
      [
        ['missing.md', 'NOT_FOUND', 'no such file or directory'],
        ['nothing/*.md', 'NOT_FOUND', 'no file matches this pattern'],
      ],
    );
    assert.deepEqual(found.files, []);
  });

  void it('names files relative to the current directory, absolute outside it', () => {
    assert.equal(nameOf(join(cwd, 'docs', 'a.txt'), cwd), 'docs/a.txt');
    assert.equal(nameOf('/elsewhere/b.md', cwd), '/elsewhere/b.md');
  });
});
