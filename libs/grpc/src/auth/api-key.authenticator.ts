import type { Metadata } from '@grpc/grpc-js';
import type { DescMethod } from '@bufbuild/protobuf';
import { Role } from '@cairn/contracts/cairn/common/v1/options';
import { GrpcError, Status } from '../errors/grpc-error.js';
import { apiKeyMatches, parseApiKey } from './api-key.js';
import type { ApiKeyPrincipal, ApiKeyStore } from './api-key-store.port.js';
import { DEFAULT_REQUIRED_ROLE, grantsRole, requiredRoleOf, roleName } from './roles.js';

/** A hash no key has, compared against when the key id is unknown so both paths cost the same. */
const NO_MATCH_HASH = '0'.repeat(64);

/**
 * Turns the `authorization: Bearer <key>` metadata of a call into a principal and checks the role
 * the method requires. Throws {@link GrpcError} UNAUTHENTICATED / PERMISSION_DENIED / UNAVAILABLE.
 */
export class ApiKeyAuthenticator {
  constructor(
    private readonly store: ApiKeyStore,
    private readonly defaultRequiredRole: Role = DEFAULT_REQUIRED_ROLE,
  ) {}

  /** Verifies the key in the metadata. */
  async authenticate(metadata: Metadata): Promise<ApiKeyPrincipal> {
    const header = metadata.get('authorization')[0];
    if (header === undefined || header === '') {
      throw unauthenticated(
        "missing API key: send metadata 'authorization: Bearer <key>'",
        'API_KEY_MISSING',
      );
    }
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match?.[1]) {
      throw unauthenticated(
        "malformed authorization metadata: expected 'Bearer <key>'",
        'AUTHORIZATION_MALFORMED',
      );
    }
    const key = match[1];
    const parsed = parseApiKey(key);
    if (!parsed) {
      throw unauthenticated("malformed API key: expected 'cairn_<keyId>_<secret>'", 'API_KEY_MALFORMED');
    }
    let record;
    try {
      record = await this.store.findById(parsed.keyId);
    } catch (error) {
      throw new GrpcError(
        Status.UNAVAILABLE,
        'API key store unavailable; retry later',
        { reason: 'API_KEY_STORE_UNAVAILABLE' },
        { cause: error },
      );
    }
    const matches = apiKeyMatches(key, record?.hash ?? NO_MATCH_HASH);
    if (!record || !matches) {
      throw unauthenticated(`unknown API key (key id '${parsed.keyId}')`, 'API_KEY_UNKNOWN');
    }
    if (record.roles.includes(Role.SERVICE)) return actingFor(record, metadata);
    return { keyId: record.keyId, tenant: record.tenant, roles: record.roles, name: record.name };
  }

  /** Checks the principal holds the role the method requires (its `required_role` option). */
  authorize(principal: ApiKeyPrincipal, method: DescMethod): void {
    const required = requiredRoleOf(method, this.defaultRequiredRole);
    if (grantsRole(principal.roles, required)) return;
    const held = principal.roles.map(roleName).join(', ') || 'none';
    throw new GrpcError(
      Status.PERMISSION_DENIED,
      `${method.parent.typeName}/${method.name} requires role ${roleName(required)}; API key '${principal.keyId}' has ${held}`,
      { reason: 'ROLE_REQUIRED', metadata: { required_role: roleName(required), key_id: principal.keyId } },
    );
  }
}

/** Metadata a service key names the tenant it acts for with. */
export const TENANT_METADATA = 'cairn-tenant';
/** Metadata a service key names the principal it acts for with (recorded as the call's principal). */
export const ON_BEHALF_OF_METADATA = 'cairn-on-behalf-of';

const TENANT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * A service key (role SERVICE) acts for the tenant its call names in `cairn-tenant`, and for the
 * principal named in `cairn-on-behalf-of` (the key id when absent).
 */
function actingFor(record: ApiKeyPrincipal, metadata: Metadata): ApiKeyPrincipal {
  const tenant = metadata.get(TENANT_METADATA)[0];
  if (typeof tenant !== 'string' || !TENANT_PATTERN.test(tenant)) {
    throw unauthenticated(
      `service key '${record.keyId}' must name the tenant it acts for in metadata '${TENANT_METADATA}'`,
      'SERVICE_TENANT_MISSING',
    );
  }
  const onBehalfOf = metadata.get(ON_BEHALF_OF_METADATA)[0];
  return {
    keyId: record.keyId,
    tenant,
    roles: record.roles,
    name: record.name,
    ...(typeof onBehalfOf === 'string' && onBehalfOf !== '' ? { onBehalfOf: onBehalfOf.slice(0, 200) } : {}),
  };
}

function unauthenticated(message: string, reason: string): GrpcError {
  return new GrpcError(Status.UNAUTHENTICATED, message, { reason });
}
