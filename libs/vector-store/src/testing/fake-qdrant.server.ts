import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Schemas } from '@qdrant/js-client-rest';
import { FakeQdrantEngine, FakeQdrantError } from './fake-qdrant.engine.js';
import { OpenApiValidator, describeErrors, locateQdrantOpenApi } from './openapi-validator.js';
import type { MatchedOperation } from './openapi-validator.js';

/** A request or response that did not conform to Qdrant's OpenAPI document (or used something the fake lacks). */
export interface FakeQdrantViolation {
  kind: 'request' | 'response' | 'route' | 'unsupported';
  method: string;
  path: string;
  operationId?: string;
  errors: string[];
}

/** Options of the fake server. */
export interface FakeQdrantOptions {
  /** Path to Qdrant's OpenAPI JSON; defaults to `locateQdrantOpenApi()`. */
  openApiPath?: string;
}

const validators = new Map<string, OpenApiValidator>();

/**
 * A loopback HTTP server speaking the subset of Qdrant's REST API the adapter uses. Every request (path params,
 * query, JSON body) and every response it sends is validated against Qdrant's own OpenAPI document; invalid
 * requests get 400 and, like invalid responses and unknown routes, are recorded in `violations`.
 */
export class FakeQdrantServer {
  readonly violations: FakeQdrantViolation[] = [];
  /** Operation ids served, in order (for assertions on what the adapter called). */
  readonly calls: string[] = [];
  readonly engine = new FakeQdrantEngine();
  private readonly server: Server;
  private readonly validator: OpenApiValidator;

  private constructor(validator: OpenApiValidator) {
    this.validator = validator;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.violations.push({
          kind: 'response',
          method: req.method ?? '',
          path: req.url ?? '',
          errors: [String(error)],
        });
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: { error: String(error) }, time: 0 }));
      });
    });
  }

  /** Starts the fake on 127.0.0.1 with an ephemeral port. */
  static async start(options: FakeQdrantOptions = {}): Promise<FakeQdrantServer> {
    const path = options.openApiPath ?? locateQdrantOpenApi();
    let validator = validators.get(path);
    if (!validator) {
      validator = new OpenApiValidator(path);
      validators.set(path, validator);
    }
    const fake = new FakeQdrantServer(validator);
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      fake.server.listen(0, '127.0.0.1', () => resolve());
    });
    return fake;
  }

  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      this.server.close((error) => (error ? reject(error) : resolve())),
    );
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://fake');
    const raw = await readBody(req);
    const matched = this.validator.match(method, url.pathname);
    if (!matched) {
      this.violations.push({
        kind: 'route',
        method,
        path: url.pathname,
        errors: ['no operation in the OpenAPI document'],
      });
      this.send(res, undefined, 404, { status: { error: `no route ${method} ${url.pathname}` }, time: 0 });
      return;
    }
    const { operation } = matched;
    this.calls.push(operation.operationId);
    const errors = this.validateRequest(matched, url.searchParams, raw);
    if (errors.length > 0) {
      this.violations.push({
        kind: 'request',
        method,
        path: url.pathname,
        operationId: operation.operationId,
        errors,
      });
      this.send(res, matched, 400, { status: { error: `Validation error: ${errors.join('; ')}` }, time: 0 });
      return;
    }
    try {
      const body = raw.length > 0 ? (JSON.parse(raw) as unknown) : undefined;
      const result = this.dispatch(operation.operationId, matched.pathParams['collection_name'] ?? '', body);
      this.send(
        res,
        matched,
        200,
        operation.operationId === 'root' ? result : { usage: null, time: 0.0001, status: 'ok', result },
      );
    } catch (error) {
      if (!(error instanceof FakeQdrantError)) throw error;
      if (error.status === 501) {
        this.violations.push({
          kind: 'unsupported',
          method,
          path: url.pathname,
          operationId: operation.operationId,
          errors: [error.message],
        });
      }
      this.send(res, matched, error.status, { status: { error: error.message }, time: 0 });
    }
  }

  private validateRequest(matched: MatchedOperation, query: URLSearchParams, raw: string): string[] {
    const { operation, pathParams } = matched;
    const errors: string[] = [];
    const pathValidator = operation.validatePathParams();
    if (!pathValidator(pathParams)) errors.push(...describeErrors(pathValidator).map((e) => `path ${e}`));
    const queryValidator = operation.validateQuery();
    if (!queryValidator(this.validator.coerceQuery(operation, query)))
      errors.push(...describeErrors(queryValidator).map((e) => `query ${e}`));
    if (operation.validateBody) {
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        return [...errors, 'body is not JSON'];
      }
      const bodyValidator = operation.validateBody();
      if (!bodyValidator(body)) errors.push(...describeErrors(bodyValidator).map((e) => `body ${e}`));
    } else if (raw.length > 0) errors.push('operation takes no body');
    return errors;
  }

  private dispatch(operationId: string, collection: string, body: unknown): unknown {
    const e = this.engine;
    switch (operationId) {
      case 'root':
        return { title: 'qdrant - vector search engine (cairn fake)', version: '1.19.0' };
      case 'collection_exists':
        return { exists: e.exists(collection) };
      case 'create_collection':
        e.create(collection, body as Schemas['CreateCollection']);
        return true;
      case 'get_collection':
        return e.info(collection);
      case 'delete_collection':
        return e.drop(collection);
      case 'create_field_index':
        return e.createIndex(collection, body as Schemas['CreateFieldIndex']);
      case 'upsert_points':
        return e.upsert(collection, body as Schemas['PointInsertOperations']);
      case 'delete_points':
        return e.delete(collection, body as Schemas['PointsSelector']);
      case 'count_points':
        return e.count(collection, body as Schemas['CountRequest']);
      case 'query_points':
        return e.query(collection, body as Schemas['QueryRequest']);
      default:
        throw new FakeQdrantError(501, `fake Qdrant does not implement ${operationId}`);
    }
  }

  /** Validates the response against the operation's schema for that status, then sends it. */
  private send(
    res: ServerResponse,
    matched: MatchedOperation | undefined,
    status: number,
    payload: unknown,
  ): void {
    if (matched) {
      const key = status === 200 ? '200' : status >= 400 && status < 500 ? '4XX' : 'default';
      const validate = matched.operation.response(key) ?? matched.operation.response('default');
      if (!validate) {
        this.violations.push({
          kind: 'response',
          method: matched.operation.method,
          path: matched.operation.template,
          operationId: matched.operation.operationId,
          errors: [`no schema for status ${status}`],
        });
      } else if (!validate(payload)) {
        this.violations.push({
          kind: 'response',
          method: matched.operation.method,
          path: matched.operation.template,
          operationId: matched.operation.operationId,
          errors: describeErrors(validate),
        });
      }
    }
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(payload));
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
