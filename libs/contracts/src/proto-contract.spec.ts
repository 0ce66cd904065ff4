// Contract tests of proto/: buf lint is clean, buf breaking catches breaking changes and lets additive
// ones through, and every event, RPC and request follows the platform's conventions.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getOption, hasOption, ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { allFiles, eventSchemas } from './index.js';
import { event, required_role, Role } from './gen/cairn/common/v1/options_pb.js';

const TOPIC = /^cairn\.[a-z-]+\.[a-z-]+\.v1$/;
const COMMAND_TIMEOUT_MS = 60_000;

/** The repository root: the nearest ancestor of this file holding proto/buf.yaml. */
function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'proto', 'buf.yaml'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no proto/buf.yaml above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}

const repoRoot = findRepoRoot();
const protoDir = join(repoRoot, 'proto');

/** Runs buf from node_modules/.bin with a deadline; returns its exit status and combined output. */
function buf(...args: string[]): { status: number | null; output: string } {
  const result = spawnSync(join(repoRoot, 'node_modules', '.bin', 'buf'), args, {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: COMMAND_TIMEOUT_MS,
  });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Rewrites one file of a proto tree, failing when the pattern is not found (so the test cannot pass vacuously). */
function edit(root: string, file: string, from: string | RegExp, to: string): void {
  const path = join(root, file);
  const original = readFileSync(path, 'utf8');
  const changed = original.replace(from, to);
  assert.notEqual(changed, original, `${file}: ${String(from)} not found`);
  writeFileSync(path, changed);
}

function isSingularString(field: DescField | undefined): boolean {
  return field?.fieldKind === 'scalar' && field.scalar === ScalarType.STRING;
}

const cairnFiles = allFiles.filter((file) => file.proto.package.startsWith('cairn.'));

void describe('proto/ module', () => {
  void it('passes buf lint', { timeout: COMMAND_TIMEOUT_MS }, () => {
    const { status, output } = buf('lint', protoDir);
    assert.equal(status, 0, output);
  });

  void describe('buf breaking against the committed tree', () => {
    let work = '';
    let copy = '';
    before(() => {
      work = mkdtempSync(join(tmpdir(), 'cairn-proto-contract-'));
    });
    after(() => rmSync(work, { recursive: true, force: true }));

    function freshCopy(name: string): string {
      copy = join(work, name);
      cpSync(protoDir, copy, { recursive: true });
      return copy;
    }

    void it('rejects a removed field', { timeout: COMMAND_TIMEOUT_MS }, () => {
      const tree = freshCopy('removed-field');
      edit(tree, 'cairn/embedding/v1/embedding.proto', /\n\s*\/\/[^\n]*\n\s*string revision = 7;/, '');
      const { status, output } = buf('breaking', tree, '--against', protoDir, '--error-format=json');
      assert.notEqual(status, 0, output);
      assert.match(output, /FIELD_NO_DELETE/);
    });

    void it('rejects a changed field type', { timeout: COMMAND_TIMEOUT_MS }, () => {
      const tree = freshCopy('changed-type');
      edit(
        tree,
        'cairn/ingestion/v1/ingestion.proto',
        'uint32 chunk_count = 13;',
        'string chunk_count = 13;',
      );
      const { status, output } = buf('breaking', tree, '--against', protoDir, '--error-format=json');
      assert.notEqual(status, 0, output);
      assert.match(output, /FIELD_SAME_TYPE/);
    });

    void it('accepts an added field', { timeout: COMMAND_TIMEOUT_MS }, () => {
      const tree = freshCopy('added-field');
      edit(
        tree,
        'cairn/embedding/v1/embedding.proto',
        'string revision = 7;',
        'string revision = 7;\n  // Added.\n  string family = 8;',
      );
      const { status, output } = buf('breaking', tree, '--against', protoDir, '--error-format=json');
      assert.equal(status, 0, output);
    });

    void it('lint catches an undocumented, misnamed field', { timeout: COMMAND_TIMEOUT_MS }, () => {
      const tree = freshCopy('lint-violation');
      edit(
        tree,
        'cairn/embedding/v1/embedding.proto',
        'string revision = 7;',
        'string revision = 7;\n  string Family = 8;',
      );
      const { status, output } = buf('lint', tree, '--error-format=json');
      assert.notEqual(status, 0, output);
      assert.match(output, /FIELD_LOWER_SNAKE_CASE/);
      assert.match(output, /COMMENT_FIELD/);
    });
  });
});

void describe('event schemas', () => {
  void it('include every message declaring the event option, and only those', () => {
    const declared = cairnFiles
      .flatMap((file) => file.messages)
      .filter((message) => hasOption(message, event));
    assert.ok(eventSchemas.length > 0, 'no event schemas');
    assert.deepEqual(eventSchemas.map((s) => s.typeName).sort(), declared.map((m) => m.typeName).sort());
  });

  for (const schema of eventSchemas) {
    void it(`${schema.typeName} declares a topic, a key field and a tenant`, () => {
      const options = getOption(schema, event);
      assert.match(options.topic, TOPIC);
      assert.ok(
        isSingularString(schema.fields.find((f) => f.name === options.keyField)),
        `key field "${options.keyField}" is not a string field`,
      );
      assert.ok(isSingularString(schema.fields.find((f) => f.name === 'tenant')), 'no string field "tenant"');
      assert.ok(options.description.length > 0, 'no description');
    });
  }

  void it('use distinct topics', () => {
    const topics = eventSchemas.map((schema) => getOption(schema, event).topic);
    assert.equal(new Set(topics).size, topics.length, topics.join(', '));
  });
});

void describe('Cairn services', () => {
  const methods = cairnFiles.flatMap((file) => file.services).flatMap((service) => service.methods);

  void it('exist', () => assert.ok(methods.length > 0));

  for (const method of methods) {
    const name = `${method.parent.typeName}.${method.name}`;
    void it(`${name} requires a role and takes a tenant`, () => {
      const role = getOption(method, required_role);
      assert.ok([Role.READER, Role.WRITER, Role.ADMIN].includes(role), `${name}: required_role not set`);
      const input: DescMessage = method.input;
      const tenant = input.fields.find((f) => f.number === 1);
      assert.equal(tenant?.name, 'tenant', `${input.typeName}: field 1 is not "tenant"`);
      assert.ok(isSingularString(tenant), `${input.typeName}: tenant is not a string`);
    });
  }
});
