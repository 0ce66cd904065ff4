import { ScalarType, type DescField, type DescMessage, type Message } from '@bufbuild/protobuf';
import { GrpcError, Status } from '../errors/grpc-error.js';

const tenantFields = new WeakMap<DescMessage, DescField | null>();

/** The message's top-level singular `string tenant` field, if it has one (cached per descriptor). */
export function tenantFieldOf(schema: DescMessage): DescField | undefined {
  let field = tenantFields.get(schema);
  if (field === undefined) {
    field =
      schema.fields.find(
        (f) =>
          f.name === 'tenant' &&
          f.fieldKind === 'scalar' &&
          f.scalar === ScalarType.STRING &&
          f.oneof === undefined,
      ) ?? null;
    tenantFields.set(schema, field);
  }
  return field ?? undefined;
}

/**
 * Binds a request to the caller's tenant: a request naming another tenant is refused
 * (PERMISSION_DENIED); an empty `tenant` is filled in with the key's tenant, so handlers always
 * see it. Requests without a `tenant` field are left as they are.
 */
export function bindTenant(schema: DescMessage, request: Message, tenant: string): void {
  const field = tenantFieldOf(schema);
  if (!field) return;
  const fields = request as unknown as Record<string, unknown>;
  const named = fields[field.localName];
  if (typeof named === 'string' && named !== '' && named !== tenant) {
    throw new GrpcError(
      Status.PERMISSION_DENIED,
      `API key belongs to tenant ${tenant}; request names tenant ${named}`,
      {
        reason: 'TENANT_MISMATCH',
        field: field.name,
        metadata: { key_tenant: tenant, request_tenant: named },
      },
    );
  }
  fields[field.localName] = tenant;
}
