import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { DescMessage } from '@bufbuild/protobuf';
import { topicFor } from '@cairn/events';
import ts from 'typescript';

/** A place in a service's code that publishes an event. */
export interface PublishSite {
  readonly topic: string;
  /** Source file, relative to the scanned root, with `/`. */
  readonly file: string;
  readonly line: number;
}

/** What the scan found: the publish sites it resolved, and the ones it could not (each a reason). */
export interface PublishScan {
  readonly sites: readonly PublishSite[];
  readonly problems: readonly string[];
}

const EVENTS_PACKAGE = '@cairn/events';
const CONTRACTS_PACKAGE = '@cairn/contracts/';

/**
 * Finds every event a service publishes by reading its sources (`src/**\/*.ts`, specs and `testing/`
 * left out): each `.publish(topic, …)` call, with `topic` written as `topicFor(Schema)` or as a name
 * bound to `topicFor(Schema)` in the same file (`const chunkedTopic = topicFor(DocumentChunkedSchema)`),
 * `Schema` imported from `@cairn/contracts/…`; and each `.publishRaw('<topic>', …)`. A publish call
 * written any other way is a problem, so that the catalogue cannot silently miss a producer.
 */
export async function scanPublishSites(srcDir: string, relativeTo: string): Promise<PublishScan> {
  const sites: PublishSite[] = [];
  const problems: string[] = [];
  for (const path of sourceFiles(srcDir)) {
    const file = relative(relativeTo, path).split(sep).join('/');
    const found = scanFile(file, readFileSync(path, 'utf8'));
    problems.push(...found.problems);
    for (const site of found.sites) {
      if (typeof site.topic === 'string') {
        sites.push({ topic: site.topic, file, line: site.line });
        continue;
      }
      const resolved = await resolveSchema(site.topic.specifier, site.topic.exported);
      if (typeof resolved === 'string') problems.push(`${file}:${site.line}: ${resolved}`);
      else sites.push({ topic: resolved.topic, file, line: site.line });
    }
  }
  return { sites, problems };
}

function sourceFiles(srcDir: string): string[] {
  return readdirSync(srcDir, { recursive: true, withFileTypes: true })
    .filter(
      (entry) =>
        entry.isFile() &&
        entry.name.endsWith('.ts') &&
        !/\.(spec|test|d)\.ts$/.test(entry.name) &&
        !relative(srcDir, entry.parentPath).split(sep).includes('testing'),
    )
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

interface SchemaRef {
  readonly specifier: string;
  readonly exported: string;
}

interface FileScan {
  readonly sites: { topic: string | SchemaRef; line: number }[];
  readonly problems: string[];
}

/** Scans one source text (exported for the spec). */
export function scanFile(file: string, text: string): FileScan {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2023, true, ts.ScriptKind.TS);
  const imports = new Map<string, SchemaRef>();
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const bindings = statement.importClause?.namedBindings;
    if (!bindings || !ts.isNamedImports(bindings)) continue;
    for (const element of bindings.elements) {
      imports.set(element.name.text, {
        specifier: statement.moduleSpecifier.text,
        exported: (element.propertyName ?? element.name).text,
      });
    }
  }
  const topicForNames = new Set(
    [...imports]
      .filter(([, ref]) => ref.specifier === EVENTS_PACKAGE && ref.exported === 'topicFor')
      .map(([local]) => local),
  );
  /** `topicFor(X)` → the identifier X. */
  const schemaOf = (node: ts.Node | undefined): ts.Identifier | undefined =>
    node &&
    ts.isCallExpression(node) &&
    ts.isIdentifier(node.expression) &&
    topicForNames.has(node.expression.text) &&
    node.arguments.length === 1 &&
    ts.isIdentifier(node.arguments[0]!)
      ? node.arguments[0]
      : undefined;

  // Names bound to topicFor(X): variables, class properties and object literal properties.
  const bound = new Map<string, ts.Identifier>();
  const calls: ts.CallExpression[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isVariableDeclaration(node) || ts.isPropertyDeclaration(node) || ts.isPropertyAssignment(node)) &&
      (ts.isIdentifier(node.name) || ts.isPrivateIdentifier(node.name))
    ) {
      const schema = schemaOf(node.initializer);
      if (schema) bound.set(node.name.text, schema);
    }
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
      const method = node.expression.name.text;
      if (method === 'publish' || method === 'publishRaw') calls.push(node);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);

  const result: FileScan = { sites: [], problems: [] };
  for (const call of calls) {
    const line = source.getLineAndCharacterOfPosition(call.getStart(source)).line + 1;
    const where = `${file}:${line}`;
    const method = (call.expression as ts.PropertyAccessExpression).name.text;
    const topic = call.arguments[0];
    if (method === 'publishRaw') {
      if (topic && ts.isStringLiteralLike(topic)) result.sites.push({ topic: topic.text, line });
      else result.problems.push(`${where}: publishRaw() with a topic that is not a string literal`);
      continue;
    }
    const name =
      topic && ts.isIdentifier(topic)
        ? topic.text
        : topic && ts.isPropertyAccessExpression(topic)
          ? topic.name.text
          : undefined;
    const schema = schemaOf(topic) ?? (name === undefined ? undefined : bound.get(name));
    if (!schema) {
      result.problems.push(
        `${where}: cannot tell which topic this publish() goes to; pass topicFor(<Schema>) or a name bound to it in this file`,
      );
      continue;
    }
    const ref = imports.get(schema.text);
    if (!ref || !ref.specifier.startsWith(CONTRACTS_PACKAGE)) {
      result.problems.push(`${where}: ${schema.text} is not imported from ${CONTRACTS_PACKAGE}…`);
      continue;
    }
    result.sites.push({ topic: ref, line });
  }
  return result;
}

/** The topic of a schema exported by a contracts module, or why there is none. */
async function resolveSchema(specifier: string, exported: string): Promise<{ topic: string } | string> {
  let module: Record<string, unknown>;
  try {
    module = (await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    return `cannot load ${specifier}: ${(error as Error).message}`;
  }
  const schema = module[exported] as DescMessage | undefined;
  if (schema?.kind !== 'message') return `${specifier} exports no message schema ${exported}`;
  try {
    return { topic: topicFor(schema).name };
  } catch (error) {
    return (error as Error).message;
  }
}
