import { glob, readdir, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** Media type of each file extension `cairn ingest` sends (the ones the ingestion service parses). */
export const MEDIA_TYPES: Readonly<Record<string, string>> = {
  '.md': 'text/markdown',
  '.markdown': 'text/markdown',
  '.txt': 'text/plain',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.pdf': 'application/pdf',
  '.json': 'application/json',
};

/** A file to ingest. */
export interface InputFile {
  readonly path: string;
  /** Its path relative to the current directory, with `/` (absolute when outside it): the external id. */
  readonly name: string;
  readonly mimeType: string;
}

/** An operand that gives nothing to ingest, and why. */
export interface RejectedInput {
  readonly name: string;
  readonly reason: 'NOT_FOUND' | 'UNSUPPORTED_MEDIA_TYPE' | 'NOT_A_FILE';
  readonly message: string;
}

/** What the operands name: files to send, operands refused, and how many other files were passed over. */
export interface CollectedInputs {
  readonly files: InputFile[];
  readonly rejected: RejectedInput[];
  /** Files of other types found in directories or by globs (not errors). */
  readonly skipped: number;
}

const GLOB_CHARS = /[*?[\]{}]/;

/**
 * Expands files, directories (recursively, leaving out dot-entries and node_modules) and globs
 * (relative to `cwd`) into the files to ingest, each once, in a stable order. A file named
 * explicitly with an unknown extension is refused; in directories and globs it is skipped.
 */
export async function collectInputs(operands: readonly string[], cwd: string): Promise<CollectedInputs> {
  const files = new Map<string, InputFile>();
  const rejected: RejectedInput[] = [];
  let skipped = 0;
  const offer = (path: string, explicit: boolean): void => {
    const mimeType = MEDIA_TYPES[extname(path).toLowerCase()];
    const name = nameOf(path, cwd);
    if (mimeType) files.set(path, { path, name, mimeType });
    else if (explicit)
      rejected.push({
        name,
        reason: 'UNSUPPORTED_MEDIA_TYPE',
        message: `unsupported file type "${extname(path) || '(none)'}" (supported: ${Object.keys(MEDIA_TYPES).join(' ')})`,
      });
    else skipped++;
  };
  for (const operand of operands) {
    const path = resolve(cwd, operand);
    const kind = await kindOf(path);
    if (kind === 'file') offer(path, true);
    else if (kind === 'directory') for (const found of await walk(path)) offer(found, false);
    else if (kind === 'other')
      rejected.push({ name: operand, reason: 'NOT_A_FILE', message: 'not a regular file or a directory' });
    else if (GLOB_CHARS.test(operand)) {
      const matches = await globFiles(operand, cwd);
      if (matches.length === 0)
        rejected.push({ name: operand, reason: 'NOT_FOUND', message: 'no file matches this pattern' });
      for (const match of matches) offer(match, false);
    } else rejected.push({ name: operand, reason: 'NOT_FOUND', message: 'no such file or directory' });
  }
  return { files: [...files.values()], rejected, skipped };
}

/** The external id of a file: relative to `cwd` with `/`, or absolute when outside it. */
export function nameOf(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  const name = rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel;
  return name.split(sep).join('/');
}

async function kindOf(path: string): Promise<'file' | 'directory' | 'other' | 'missing'> {
  try {
    const info = await stat(path);
    return info.isFile() ? 'file' : info.isDirectory() ? 'directory' : 'other';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
}

/** Every file under `dir`, sorted, without dot-entries, node_modules or symlinked directories. */
async function walk(dir: string): Promise<string[]> {
  const found: string[] = [];
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await walk(path)));
    else if (entry.isFile() || (entry.isSymbolicLink() && (await kindOf(path)) === 'file')) found.push(path);
  }
  return found;
}

async function globFiles(pattern: string, cwd: string): Promise<string[]> {
  const found: string[] = [];
  for await (const match of glob(pattern, { cwd })) {
    const path = resolve(cwd, match);
    if ((await kindOf(path)) === 'file') found.push(path);
  }
  return found.sort();
}
