// Shared code of the proto-*.mjs scripts: run buf, read the module's descriptors, write libs/contracts/src/index.ts.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFileRegistry, fromBinary, getOption, hasOption, ScalarType } from '@bufbuild/protobuf';
import { nestedTypes } from '@bufbuild/protobuf/reflect';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { format, resolveConfig } from 'prettier';

/** Repository root (the directory holding proto/ and libs/). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The buf module of the repository. */
export const protoDir = join(repoRoot, 'proto');
/** Source folder of @cairn/contracts. */
export const contractsSrcDir = join(repoRoot, 'libs', 'contracts', 'src');

/** Fully-qualified name of the message option that marks event payloads. */
export const EVENT_OPTION = 'cairn.common.v1.event';
/** Shape every event topic must have: cairn.<area>.<event>.v1 */
export const TOPIC_PATTERN = /^cairn\.[a-z-]+\.[a-z-]+\.v1$/;

const binDir = join(repoRoot, 'node_modules', '.bin');

/**
 * Runs a command with node_modules/.bin first on PATH (buf finds protoc-gen-es there).
 * Throws when it cannot start or exits non-zero, unless `allowFailure` is set.
 * @returns {{ status: number, stdout: Buffer, stderr: Buffer }}
 */
export function run(command, args, { cwd = repoRoot, allowFailure = false, echo = true } = {}) {
  const result = spawnSync(command, args, {
    cwd,
    env: { ...process.env, PATH: `${binDir}${delimiter}${process.env.PATH ?? ''}` },
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.error) throw new Error(`cannot run ${command}: ${result.error.message}`);
  if (echo) {
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
  }
  if (result.status !== 0 && !allowFailure) {
    const output = echo ? '' : `\n${result.stdout}${result.stderr}`;
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}${output}`);
  }
  return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

/** Builds the buf module at `dir` (with its imports) into a descriptor registry. */
export function buildRegistry(dir) {
  const { stdout } = run('buf', ['build', dir, '--as-file-descriptor-set', '-o', '-#format=binpb'], {
    echo: false,
  });
  return createFileRegistry(fromBinary(FileDescriptorSetSchema, stdout));
}

/**
 * Every message carrying the event option, with its routing, validated: topic shape, unique topics,
 * the key field exists and is a string, and the message has a string `tenant` field.
 * @returns {{ desc: import('@bufbuild/protobuf').DescMessage, topic: string, keyField: string, ingress: boolean }[]}
 */
export function collectEvents(registry) {
  const option = registry.getExtension(EVENT_OPTION);
  if (!option) throw new Error(`extension ${EVENT_OPTION} not found in the module`);
  const events = [];
  const problems = [];
  const topics = new Map();
  for (const file of registry.files) {
    for (const desc of nestedTypes(file)) {
      if (desc.kind !== 'message' || !hasOption(desc, option)) continue;
      const { topic, keyField, ingress } = getOption(desc, option);
      const isString = (name) =>
        desc.fields.some(
          (f) => f.name === name && f.fieldKind === 'scalar' && f.scalar === ScalarType.STRING,
        );
      if (!TOPIC_PATTERN.test(topic))
        problems.push(`${desc.typeName}: topic "${topic}" is not ${TOPIC_PATTERN}`);
      if (topics.has(topic))
        problems.push(`${desc.typeName}: topic ${topic} already used by ${topics.get(topic)}`);
      if (!isString(keyField))
        problems.push(`${desc.typeName}: key_field "${keyField}" is not a string field`);
      if (!isString('tenant')) problems.push(`${desc.typeName}: has no string "tenant" field`);
      topics.set(topic, desc.typeName);
      events.push({ desc, topic, keyField, ingress });
    }
  }
  if (problems.length > 0) throw new Error(`invalid event options:\n  ${problems.join('\n  ')}`);
  return events;
}

function listGenerated(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('_pb.ts'))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/** Reads the exported names protoc-gen-es gave to a generated file and its message schemas. */
function readExports(path) {
  const text = readFileSync(path, 'utf8');
  const fileExport = /^export const (file_\w+): GenFile\b/m.exec(text)?.[1];
  if (!fileExport) throw new Error(`${path}: no GenFile export found`);
  const schemas = new Map();
  const schemaExport =
    /^ \* Describes the message ([\w.]+)\.\n(?: \*.*\n)*? \*\/\nexport const (\w+): GenMessage</gm;
  for (const match of text.matchAll(schemaExport)) schemas.set(match[1], match[2]);
  return { fileExport, schemas };
}

/**
 * Writes `<srcDir>/index.ts`: `allFiles` (every generated GenFile) and `eventSchemas` (every event payload schema).
 * Names are taken from the generated files in `<srcDir>/gen`, event routing from the descriptors in `registry`.
 */
export async function writeIndex(srcDir, registry) {
  const events = collectEvents(registry);
  const eventByType = new Map(events.map((e) => [e.desc.typeName, e]));
  const modules = listGenerated(join(srcDir, 'gen')).map((path) => ({
    specifier: `./${relative(srcDir, path).split(sep).join('/').replace(/\.ts$/, '.js')}`,
    ...readExports(path),
  }));
  const imports = [];
  const eventEntries = [];
  for (const { specifier, fileExport, schemas } of modules) {
    const names = [fileExport];
    for (const [typeName, schemaExport] of schemas) {
      const event = eventByType.get(typeName);
      if (!event) continue;
      // Alias with the package so that two packages may declare events of the same name.
      const local = `${event.desc.file.proto.package.replaceAll('.', '_')}_${schemaExport}`;
      names.push(`${schemaExport} as ${local}`);
      const routing = `${event.topic}, key ${event.keyField}${event.ingress ? ', ingress' : ''}`;
      eventEntries.push({ local, routing, order: events.indexOf(event) });
      eventByType.delete(typeName);
    }
    imports.push(`import { ${names.join(', ')} } from '${specifier}';`);
  }
  if (eventByType.size > 0)
    throw new Error(`no generated schema for events: ${[...eventByType.keys()].join(', ')}`);
  eventEntries.sort((a, b) => a.order - b.order);
  const lines = [
    '// Code generated by scripts/proto-gen.mjs from proto/ (npm run proto:gen). DO NOT EDIT.',
    '',
    "import type { DescMessage } from '@bufbuild/protobuf';",
    "import type { GenFile } from '@bufbuild/protobuf/codegenv2';",
    ...imports,
    '',
    '/**',
    ' * Every file generated from proto/, for gRPC server reflection. Imported files that are not generated here',
    ' * (google/protobuf/*) are reachable through `GenFile.dependencies`.',
    ' */',
    'export const allFiles: readonly GenFile[] = [',
    ...modules.map((m) => `  ${m.fileExport},`),
    '];',
    '',
    '/**',
    " * Every event payload schema: the messages declaring the `cairn.common.v1.event` option. Read a schema's",
    ' * topic, key field and ingress flag with `getOption(schema, event)` (`event` from cairn/common/v1/options).',
    ' */',
    'export const eventSchemas: readonly DescMessage[] = [',
    ...eventEntries.map((e) => `  ${e.local}, // ${e.routing}`),
    '];',
    '',
  ];
  const indexPath = join(srcDir, 'index.ts');
  // Formatted with the repository's Prettier settings, wherever srcDir is (proto-check generates into a temp dir).
  const options = await resolveConfig(join(contractsSrcDir, 'index.ts'));
  writeFileSync(indexPath, await format(lines.join('\n'), { ...options, filepath: indexPath }));
  return { files: modules.length, events };
}

/**
 * Generates the code of the buf module `moduleDir` with its buf.gen.yaml (output relative to `moduleDir`),
 * then the index of `srcDir`.
 */
export async function generate(moduleDir, srcDir) {
  run('buf', ['generate'], { cwd: moduleDir });
  return await writeIndex(srcDir, buildRegistry(moduleDir));
}
