#!/usr/bin/env node
// CI check "regeneration changes nothing": regenerates libs/contracts from proto/ into a temp dir and
// exits 1, listing the files, when the committed libs/contracts/src/gen (or index.ts) differs.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { contractsSrcDir, generate, protoDir, repoRoot } from './proto-lib.mjs';

/** Relative paths (with /) of the files under dir; empty when dir does not exist. */
function listFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'));
}

/** Generated paths (relative to libs/contracts/src) that differ between two src dirs. */
function compare(expectedSrc, actualSrc) {
  const paths = new Set(['index.ts']);
  for (const path of listFiles(join(expectedSrc, 'gen'))) paths.add(`gen/${path}`);
  for (const path of listFiles(join(actualSrc, 'gen'))) paths.add(`gen/${path}`);
  const problems = [];
  for (const path of [...paths].sort()) {
    const expected = join(expectedSrc, path);
    const actual = join(actualSrc, path);
    if (!existsSync(actual)) problems.push(`missing   ${path}`);
    else if (!existsSync(expected)) problems.push(`stale     ${path} (no longer generated)`);
    else if (!readFileSync(expected).equals(readFileSync(actual))) problems.push(`outdated  ${path}`);
  }
  return problems;
}

const work = mkdtempSync(join(tmpdir(), 'cairn-proto-check-'));
try {
  // Same layout as the repository, so buf.gen.yaml's relative `out` lands inside the temp dir.
  const tmpProto = join(work, 'proto');
  const tmpSrc = join(work, relative(repoRoot, contractsSrcDir));
  cpSync(protoDir, tmpProto, { recursive: true });
  mkdirSync(tmpSrc, { recursive: true });
  await generate(tmpProto, tmpSrc);
  const problems = compare(tmpSrc, contractsSrcDir);
  const where = relative(repoRoot, contractsSrcDir).split(sep).join('/');
  if (problems.length > 0) {
    console.error(`proto-check: ${where} is not what proto/ generates (run npm run proto:gen):`);
    for (const problem of problems) console.error(`  ${problem.replace(/^(\S+\s+)/, `$1${where}/`)}`);
    process.exitCode = 1;
  } else {
    console.log(`proto-check: ${where}/gen and index.ts are up to date`);
  }
} catch (error) {
  console.error(`proto-check: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
