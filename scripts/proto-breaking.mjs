#!/usr/bin/env node
// Breaking-change check of proto/ (buf, rules FILE) against main:
//   on main's tip, against the previous commit (HEAD~1); elsewhere, against the merge base with main.
// `--against <git ref>` picks the baseline explicitly. When there is no baseline commit, or proto/ is absent
// from it, prints why and exits 0.
import { join } from 'node:path';
import { repoRoot, run } from './proto-lib.mjs';

function git(...args) {
  const { status, stdout } = run('git', args, { allowFailure: true, echo: false });
  return status === 0 ? stdout.toString().trim() : undefined;
}

function skip(reason) {
  console.log(`proto-breaking: skipped: ${reason}`);
  process.exit(0);
}

/** The commit to compare with, and how it was chosen. */
function baseline() {
  const index = process.argv.indexOf('--against');
  if (index !== -1) {
    const ref = process.argv[index + 1];
    if (!ref) throw new Error('--against needs a git ref');
    return { ref, why: `${ref} (--against)` };
  }
  const head = git('rev-parse', '--verify', '--quiet', 'HEAD^{commit}');
  if (!head) skip('the repository has no commit yet');
  const main = ['main', 'origin/main']
    .map((name) => ({ name, sha: git('rev-parse', '--verify', '--quiet', `${name}^{commit}`) }))
    .find((candidate) => candidate.sha);
  if (main && main.sha !== head) {
    const base = git('merge-base', 'HEAD', main.sha);
    if (!base) skip(`HEAD has no common ancestor with ${main.name}`);
    return { ref: base, why: `merge base with ${main.name}` };
  }
  return {
    ref: 'HEAD~1',
    why: main ? `previous commit of ${main.name}` : 'previous commit (no main branch found)',
  };
}

try {
  const { ref, why } = baseline();
  const sha = git('rev-parse', '--verify', '--quiet', `${ref}^{commit}`);
  if (!sha) skip(`no baseline commit: ${why} does not exist (first commit, or a shallow clone)`);
  if (!git('ls-tree', '-d', '--name-only', sha, 'proto'))
    skip(`proto/ does not exist in ${sha.slice(0, 12)} (${why})`);
  const against = `${join(repoRoot, '.git')}#ref=${sha},subdir=proto`;
  console.log(`proto-breaking: buf breaking proto against ${sha.slice(0, 12)} (${why})`);
  const { status } = run('buf', ['breaking', 'proto', '--against', against], { allowFailure: true });
  if (status !== 0) {
    console.error(
      'proto-breaking: breaking changes found (see above). Make the change additive, or add a new version.',
    );
    process.exit(1);
  }
  console.log('proto-breaking: no breaking change');
} catch (error) {
  console.error(`proto-breaking: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
