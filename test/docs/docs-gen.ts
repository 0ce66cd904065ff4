// `npm run docs:gen` writes docs/reference from proto/, the services' code and the config schemas;
// `npm run docs:check` (`--check`) regenerates into a temp dir and exits 1, naming each stale file,
// when docs/reference differs. Both need the compiled workspace (the scripts run `tsc -b` first).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { REPO_ROOT } from '../support/repo.js';
import { compareReference, generateReference, REFERENCE_DIR } from './reference-pages.js';

async function main(): Promise<void> {
  const where = relative(REPO_ROOT, REFERENCE_DIR).split(sep).join('/');
  if (!process.argv.includes('--check')) {
    const names = await generateReference(REFERENCE_DIR);
    console.log(`docs-gen: wrote ${names.map((name) => `${where}/${name}`).join(', ')}`);
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'cairn-docs-check-'));
  try {
    await generateReference(work);
    const problems = compareReference(work, REFERENCE_DIR);
    if (problems.length > 0) {
      console.error(
        `docs-check: ${where} is not what proto/, the services and the config schemas generate (run npm run docs:gen):`,
      );
      for (const problem of problems) console.error(`  ${problem.replace(/^(\S+\s+)/, `$1${where}/`)}`);
      process.exitCode = 1;
    } else {
      console.log(`docs-check: ${where} is up to date`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main().catch((error: unknown) => {
  console.error(`docs-gen: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
