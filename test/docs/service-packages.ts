import 'reflect-metadata';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { REPO_ROOT } from '../support/repo.js';

/** A Nest module class, as a service package exports it. */
export type ModuleClass = abstract new (...args: never[]) => unknown;

/** One folder of services/: its package, its compiled exports, and what the reference reads from them. */
export interface ServicePackage {
  /** Folder name under services/, which is also the process name (`ingestion`, …, `all-in-one`). */
  readonly name: string;
  /** npm package name (`@cairn/ingestion`). */
  readonly packageName: string;
  /** Absolute path of services/<name>. */
  readonly dir: string;
  /** The process's config schema: the package's one `*ConfigSchema` export. */
  readonly configSchema: z.ZodObject;
  /** The Nest modules the package exports (none for the all-in-one, which composes the others). */
  readonly modules: readonly ModuleClass[];
}

/**
 * Every service package under services/, loaded from its compiled entry (`dist/index.js`, built by
 * `tsc -b`), in folder order with the all-in-one last. New services are found without a list to update.
 */
export async function loadServicePackages(
  servicesDir = join(REPO_ROOT, 'services'),
): Promise<ServicePackage[]> {
  const names = readdirSync(servicesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(servicesDir, entry.name, 'package.json')))
    .map((entry) => entry.name)
    .sort((a, b) => (a === 'all-in-one' ? 1 : b === 'all-in-one' ? -1 : a < b ? -1 : a > b ? 1 : 0));
  const packages: ServicePackage[] = [];
  for (const name of names) {
    const dir = join(servicesDir, name);
    const entry = join(dir, 'dist', 'index.js');
    if (!existsSync(entry))
      throw new Error(`${entry} does not exist: build first (npx tsc -b tsconfig.build.json)`);
    const exports = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
    const schemas = Object.entries(exports).filter(
      ([key, value]) => key.endsWith('ConfigSchema') && value instanceof z.ZodObject,
    );
    if (schemas.length !== 1) {
      throw new Error(
        `services/${name} must export exactly one *ConfigSchema (a zod object), found ${schemas.length}: ${schemas.map(([key]) => key).join(', ')}`,
      );
    }
    const packageJson = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string };
    packages.push({
      name,
      packageName: packageJson.name,
      dir,
      configSchema: schemas[0]![1] as z.ZodObject,
      modules: Object.values(exports).filter(isModuleClass),
    });
  }
  return packages;
}

/** A class decorated with Nest's `@Module` (which records its `providers`, `imports`, … as metadata). */
export function isModuleClass(value: unknown): value is ModuleClass {
  return (
    typeof value === 'function' &&
    ['providers', 'imports', 'controllers', 'exports'].some((key) => Reflect.hasOwnMetadata(key, value))
  );
}
