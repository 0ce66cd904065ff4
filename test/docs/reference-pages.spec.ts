import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compareReference } from './reference-pages.js';

void describe('compareReference (npm run docs:check)', () => {
  void it('names each page that is missing, outdated or no longer generated', () => {
    const root = mkdtempSync(join(tmpdir(), 'cairn-docs-compare-'));
    try {
      const generated = join(root, 'generated');
      const checkedIn = join(root, 'checked-in');
      mkdirSync(generated);
      mkdirSync(checkedIn);
      for (const [dir, name, text] of [
        [generated, 'same.md', 'a'],
        [checkedIn, 'same.md', 'a'],
        [generated, 'grpc.md', 'new'],
        [checkedIn, 'grpc.md', 'old'],
        [generated, 'events.md', 'x'],
        [checkedIn, 'removed.md', 'y'],
      ] as const)
        writeFileSync(join(dir, name), text);
      assert.deepEqual(compareReference(generated, checkedIn), [
        'missing   events.md',
        'outdated  grpc.md',
        'stale     removed.md (no longer generated)',
      ]);
      assert.deepEqual(compareReference(generated, generated), []);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
