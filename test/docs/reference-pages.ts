import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { REPO_ROOT } from '../support/repo.js';
import { renderConfigReference } from './config-reference.js';
import { collectEventCatalogue, renderEventCatalogue } from './event-catalogue.js';
import { renderGrpcReference } from './grpc-reference.js';
import { formatMarkdown } from './markdown.js';
import { buildProtoRegistry } from './proto-descriptors.js';
import { loadServicePackages } from './service-packages.js';

/** Where the generated pages live. */
export const REFERENCE_DIR = join(REPO_ROOT, 'docs', 'reference');

/** Generates every page into `dir` (formatted as docs/reference would be); returns their names. */
export async function generateReference(dir: string): Promise<string[]> {
  const registry = buildProtoRegistry();
  const services = await loadServicePackages();
  const pages: Record<string, string> = {
    'grpc.md': renderGrpcReference(registry),
    'events.md': renderEventCatalogue(await collectEventCatalogue(registry, services)),
    'config.md': renderConfigReference(services),
  };
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(pages)) {
    // Formatted as if it sat in docs/reference, so the repository's Prettier settings apply wherever dir is.
    writeFileSync(join(dir, name), await formatMarkdown(text, join(REFERENCE_DIR, name)));
  }
  return Object.keys(pages).sort();
}

/** Files (relative, with `/`) that differ between what was generated and what is checked in. */
export function compareReference(generatedDir: string, checkedInDir: string): string[] {
  const list = (dir: string): string[] =>
    existsSync(dir)
      ? readdirSync(dir, { recursive: true, withFileTypes: true })
          .filter((entry) => entry.isFile())
          .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
      : [];
  const problems: string[] = [];
  for (const name of [...new Set([...list(generatedDir), ...list(checkedInDir)])].sort()) {
    const generated = join(generatedDir, name);
    const checkedIn = join(checkedInDir, name);
    if (!existsSync(checkedIn)) problems.push(`missing   ${name}`);
    else if (!existsSync(generated)) problems.push(`stale     ${name} (no longer generated)`);
    else if (!readFileSync(generated).equals(readFileSync(checkedIn))) problems.push(`outdated  ${name}`);
  }
  return problems;
}
