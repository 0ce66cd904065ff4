import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** A compiled OpenAPI operation: path regex and validators for parameters, body and responses. */
export interface OpenApiOperation {
  operationId: string;
  method: string;
  template: string;
  validatePathParams: () => ValidateFunction;
  validateQuery: () => ValidateFunction;
  queryTypes: Record<string, string>;
  /** Undefined when the operation takes no JSON body. */
  validateBody?: () => ValidateFunction;
  /** Response validator by status key ('200', '4XX', 'default'). */
  response: (status: string) => ValidateFunction | undefined;
}

/** A matched request: the operation and the decoded path parameters. */
export interface MatchedOperation {
  operation: OpenApiOperation;
  pathParams: Record<string, string>;
}

/**
 * Locates Qdrant's OpenAPI document: `CAIRN_QDRANT_OPENAPI` if set, else the copy kept in this library,
 * `libs/vector-store/spec/qdrant/openapi-v1.19.0.json` (found from the repository root, the first
 * ancestor of this module containing `nx.json`).
 */
// eslint-disable-next-line no-restricted-properties -- test tooling, not a service: the spec location may come from the environment.
export function locateQdrantOpenApi(env: NodeJS.ProcessEnv = process.env): string {
  const override = env['CAIRN_QDRANT_OPENAPI'];
  if (override) return resolve(override);
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'nx.json'))) {
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('cannot find the repository root (nx.json) above the fake Qdrant module');
    dir = parent;
  }
  return resolve(dir, 'libs', 'vector-store', 'spec', 'qdrant', 'openapi-v1.19.0.json');
}

const DOC_ID = 'qdrant-openapi.json';

/** OpenAPI 3.0 → JSON Schema: `nullable: true` becomes a union with null; `#/components` refs point at the registered doc. */
function convert(node: Json, rewriteRefs: boolean): Json {
  if (Array.isArray(node)) return node.map((n) => convert(n, rewriteRefs));
  if (node === null || typeof node !== 'object') return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string' && rewriteRefs)
      out[key] = value.replace(/^#\//, `${DOC_ID}#/`);
    else if (key !== 'nullable') out[key] = convert(value, rewriteRefs);
  }
  if (node['nullable'] !== true) return out;
  if (typeof out['type'] === 'string') {
    out['type'] = [out['type'], 'null'];
    if (Array.isArray(out['enum'])) out['enum'] = [...out['enum'], null];
    return out;
  }
  const schemaKeys = ['anyOf', 'oneOf', 'allOf', '$ref', 'properties', 'items', 'enum'];
  if (!schemaKeys.some((k) => k in out)) return { ...out, type: 'null' };
  const { description, default: dflt, ...rest } = out;
  return {
    ...(description === undefined ? {} : { description }),
    ...(dflt === undefined ? {} : { default: dflt }),
    anyOf: [rest, { type: 'null' }],
  };
}

const UINT_MAX: Record<string, number> = {
  uint8: 255,
  uint16: 65535,
  uint32: 4294967295,
  uint: Number.MAX_SAFE_INTEGER,
  uint64: Number.MAX_SAFE_INTEGER,
};

function text(value: Json | undefined, fallback = ''): string {
  return typeof value === 'string' ? value : fallback;
}

/** Compiles on first use: compiling every operation of the document up front takes seconds. */
function lazy(ajv: Ajv, schema: JsonObject): () => ValidateFunction {
  let compiled: ValidateFunction | undefined;
  return () => (compiled ??= ajv.compile(schema));
}

/** Validates requests and responses against Qdrant's OpenAPI document. */
export class OpenApiValidator {
  private readonly operations: OpenApiOperation[] = [];
  private readonly matchers: { regex: RegExp; names: string[]; operation: OpenApiOperation }[] = [];

  constructor(specPath: string) {
    const doc = JSON.parse(readFileSync(specPath, 'utf8')) as JsonObject;
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    (addFormatsModule as unknown as (a: Ajv) => Ajv)(ajv);
    for (const [name, max] of Object.entries(UINT_MAX)) {
      ajv.addFormat(name, {
        type: 'number',
        validate: (x: number) => Number.isInteger(x) && x >= 0 && x <= max,
      });
    }
    ajv.addFormat('int64', { type: 'number', validate: (x: number) => Number.isInteger(x) });
    for (const name of ['float', 'double'])
      ajv.addFormat(name, { type: 'number', validate: (x: number) => Number.isFinite(x) });
    for (const name of ['binary', 'partial-date-time']) ajv.addFormat(name, true);
    const components = convert(doc['components'] ?? {}, false);
    ajv.addSchema({ $id: DOC_ID, components }, DOC_ID);

    const paths = (doc['paths'] ?? {}) as Record<string, Record<string, JsonObject>>;
    for (const [template, methods] of Object.entries(paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const parameters = (op['parameters'] ?? []) as JsonObject[];
        const schemaOf = (where: string): JsonObject => ({
          type: 'object',
          properties: Object.fromEntries(
            parameters
              .filter((p) => p['in'] === where)
              .map((p) => [text(p['name']), convert(p['schema'] ?? {}, true)]),
          ),
          required: parameters
            .filter((p) => p['in'] === where && p['required'] === true)
            .map((p) => text(p['name'])),
        });
        const queryTypes = Object.fromEntries(
          parameters
            .filter((p) => p['in'] === 'query')
            .map((p) => [text(p['name']), text((p['schema'] as JsonObject | undefined)?.['type'], 'string')]),
        );
        const body = (
          ((op['requestBody'] as JsonObject | undefined)?.['content'] as JsonObject | undefined)?.[
            'application/json'
          ] as JsonObject | undefined
        )?.['schema'];
        const responses = new Map<string, () => ValidateFunction>();
        for (const [status, response] of Object.entries(
          (op['responses'] ?? {}) as Record<string, JsonObject>,
        )) {
          const schema = (
            (response['content'] as JsonObject | undefined)?.['application/json'] as JsonObject | undefined
          )?.['schema'];
          if (schema !== undefined) responses.set(status, lazy(ajv, convert(schema, true) as JsonObject));
        }
        const operation: OpenApiOperation = {
          operationId: text(op['operationId'], `${method} ${template}`),
          method: method.toUpperCase(),
          template,
          validatePathParams: lazy(ajv, schemaOf('path')),
          validateQuery: lazy(ajv, schemaOf('query')),
          queryTypes,
          ...(body === undefined ? {} : { validateBody: lazy(ajv, convert(body, true) as JsonObject) }),
          response: (status) => responses.get(status)?.(),
        };
        this.operations.push(operation);
        const names: string[] = [];
        const pattern = template
          .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
          .replace(/\{([^}]+)\}/g, (_m, name: string) => {
            names.push(name);
            return '([^/]+)';
          });
        this.matchers.push({ regex: new RegExp(`^${pattern}$`), names, operation });
      }
    }
  }

  /** The operation for a method and path; literal templates win over parameterised ones. */
  match(method: string, path: string): MatchedOperation | undefined {
    const candidates = this.matchers
      .filter((m) => m.operation.method === method && m.regex.test(path))
      .sort((a, b) => a.names.length - b.names.length);
    const best = candidates[0];
    if (!best) return undefined;
    const values = best.regex.exec(path)?.slice(1) ?? [];
    return {
      operation: best.operation,
      pathParams: Object.fromEntries(best.names.map((n, i) => [n, decodeURIComponent(values[i] ?? '')])),
    };
  }

  /** Query parameters coerced to their declared types (boolean, integer, number). */
  coerceQuery(operation: OpenApiOperation, query: URLSearchParams): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, raw] of query) {
      const type = operation.queryTypes[name];
      if (type === 'boolean') out[name] = raw === 'true' ? true : raw === 'false' ? false : raw;
      else if (type === 'integer' || type === 'number')
        out[name] = raw.trim() === '' || Number.isNaN(Number(raw)) ? raw : Number(raw);
      else out[name] = raw;
    }
    return out;
  }
}

/** Ajv errors as short human-readable lines. */
export function describeErrors(validate: ValidateFunction): string[] {
  return (validate.errors ?? [])
    .slice(0, 20)
    .map(
      (e) =>
        `${e.instancePath || '/'} ${e.message ?? 'invalid'}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`,
    );
}
