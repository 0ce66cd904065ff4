import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hasOption, type DescMethod } from '@bufbuild/protobuf';
import { Role, required_role } from '@cairn/contracts/cairn/common/v1/options';
import { HealthCheckRequestSchema, Health } from '@cairn/contracts/grpc/health/v1/health';
import {
  ServerReflection,
  ServerReflectionRequestSchema,
} from '@cairn/contracts/grpc/reflection/v1/reflection';
import { generateApiKey, requiredRoleOf, roleName, Status, tenantFieldOf } from '@cairn/grpc';
import { cairnMethods, encode, methodName, RawGrpcClient, type RawOutcome } from '../support/raw-grpc.js';
import { startSecuredAllInOne, type SecuredProcess } from './harness.js';

const TENANT_A = 'auth-a';
const TENANT_B = 'auth-b';
/** One key per role of tenant A, and an admin key of tenant B. */
const KEYS = [
  { name: 'READER', tenant: TENANT_A, roles: [Role.READER] },
  { name: 'WRITER', tenant: TENANT_A, roles: [Role.WRITER] },
  { name: 'ADMIN', tenant: TENANT_A, roles: [Role.ADMIN] },
  { name: 'B_ADMIN', tenant: TENANT_B, roles: [Role.ADMIN] },
];

/** An empty request: every check below happens before the request's content matters. */
function emptyRequest(method: DescMethod): Buffer[] {
  return [encode(method.input, {})];
}

function expectStatus(outcome: RawOutcome, code: Status, reason: string | undefined, what: string): void {
  assert.equal(
    Status[outcome.code],
    Status[code],
    `${what}: expected ${Status[code]}, got ${Status[outcome.code]} '${outcome.details}'`,
  );
  if (reason !== undefined) assert.equal(outcome.detail?.reason, reason, `${what}: reason`);
  assert.match(outcome.details, /\S/, `${what}: the status has a message`);
}

/** The role just below `role`, if there is one (nothing is below READER). */
function roleBelow(role: Role): Role | undefined {
  return role === Role.ADMIN ? Role.WRITER : role === Role.WRITER ? Role.READER : undefined;
}

/**
 * Authentication and authorization of every RPC of every Cairn service, enumerated from the
 * generated descriptors: a new RPC is in this matrix the moment it is in proto/.
 */
void describe('authn and authz on every Cairn RPC', { timeout: 180_000 }, () => {
  let cairn: SecuredProcess;
  let raw: RawGrpcClient;
  const methods = cairnMethods();

  before(async () => {
    cairn = await startSecuredAllInOne(KEYS);
    raw = new RawGrpcClient(cairn.aio.grpcAddress);
  });
  after(async () => {
    raw.close();
    await cairn.stop();
  });

  void it('finds the services in the descriptors, and every RPC declares the role it needs', () => {
    const services = new Set(methods.map((m) => m.parent.typeName));
    assert.ok(services.size >= 5, `found services: ${[...services].join(', ')}`);
    const undeclared = methods.filter((m) => !hasOption(m, required_role)).map(methodName);
    assert.deepEqual(undeclared, [], 'RPCs without (cairn.common.v1.required_role)');
  });

  for (const method of methods) {
    const name = methodName(method);
    const required = requiredRoleOf(method);

    void it(`${name}: no key, a malformed header, a malformed or unknown key → UNAUTHENTICATED`, async () => {
      const request = emptyRequest(method);
      expectStatus(await raw.call(method, request), Status.UNAUTHENTICATED, 'API_KEY_MISSING', 'no key');
      expectStatus(
        await raw.call(method, request, { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }),
        Status.UNAUTHENTICATED,
        'AUTHORIZATION_MALFORMED',
        'a Basic header',
      );
      expectStatus(
        await raw.call(method, request, { apiKey: 'not-a-cairn-key' }),
        Status.UNAUTHENTICATED,
        'API_KEY_MALFORMED',
        'a malformed key',
      );
      const unknown = generateApiKey(TENANT_A, [Role.ADMIN]).key;
      expectStatus(
        await raw.call(method, request, { apiKey: unknown }),
        Status.UNAUTHENTICATED,
        'API_KEY_UNKNOWN',
        'a key the server does not know',
      );
      // The id of a real admin key with another secret: the secret is what is checked.
      const [, keyId] = /^cairn_([^_]+)_/.exec(cairn.keys['ADMIN']!)!;
      const forged = `cairn_${keyId}_${'x'.repeat(43)}`;
      expectStatus(
        await raw.call(method, request, { apiKey: forged }),
        Status.UNAUTHENTICATED,
        'API_KEY_UNKNOWN',
        'a known key id with a wrong secret',
      );
    });

    const below = roleBelow(required);
    void it(`${name}: needs ${roleName(required)}${below ? `; a ${roleName(below)} key → PERMISSION_DENIED ROLE_REQUIRED` : ''}`, async () => {
      const request = emptyRequest(method);
      if (below !== undefined) {
        const outcome = await raw.call(method, request, { apiKey: cairn.keys[roleName(below)]! });
        expectStatus(outcome, Status.PERMISSION_DENIED, 'ROLE_REQUIRED', `a ${roleName(below)} key`);
        assert.equal(outcome.detail?.metadata?.['required_role'], roleName(required));
      }
      // The role itself gets past authentication and authorization (what the handler then says is its own business).
      const allowed = await raw.call(method, request, { apiKey: cairn.keys[roleName(required)]! });
      assert.notEqual(
        allowed.code,
        Status.UNAUTHENTICATED,
        `a ${roleName(required)} key: ${allowed.details}`,
      );
      assert.ok(
        !(allowed.code === Status.PERMISSION_DENIED && allowed.detail?.reason === 'ROLE_REQUIRED'),
        `a ${roleName(required)} key is enough: ${allowed.details}`,
      );
    });

    const tenantField = tenantFieldOf(method.input);
    void it(
      `${name}: another tenant's key naming this tenant → PERMISSION_DENIED TENANT_MISMATCH`,
      { skip: tenantField ? false : 'the request has no tenant field' },
      async () => {
        const request = [encode(method.input, { [tenantField!.localName]: TENANT_A })];
        const outcome = await raw.call(method, request, { apiKey: cairn.keys['B_ADMIN']! });
        expectStatus(
          outcome,
          Status.PERMISSION_DENIED,
          'TENANT_MISMATCH',
          `tenant ${TENANT_B} naming ${TENANT_A}`,
        );
        assert.equal(outcome.detail?.metadata?.['request_tenant'], TENANT_A);
        assert.equal(outcome.responses, 0, 'nothing was returned');
      },
    );
  }

  void it('health and reflection stay public', async () => {
    const health = Health.method.check;
    const checked = await raw.call(health, [encode(HealthCheckRequestSchema, { service: '' })]);
    assert.equal(checked.code, Status.OK, checked.details);
    assert.equal(checked.responses, 1);
    const reflection = ServerReflection.method.serverReflectionInfo;
    const listed = await raw.call(reflection, [
      encode(ServerReflectionRequestSchema, { messageRequest: { case: 'listServices', value: '' } }),
    ]);
    assert.equal(listed.code, Status.OK, listed.details);
    assert.equal(listed.responses, 1);
  });
});
