import { getOption, hasOption, type DescMethod } from '@bufbuild/protobuf';
import { Role, RoleSchema, required_role } from '@cairn/contracts/cairn/common/v1/options';

/** Role required when a method declares no `required_role` option. */
export const DEFAULT_REQUIRED_ROLE: Role = Role.WRITER;

/** `ROLE_WRITER` → `WRITER`. */
export function roleName(role: Role): string {
  const name = RoleSchema.value[role]?.name ?? `ROLE_${String(role)}`;
  return name.replace(/^ROLE_/, '');
}

/** Parses `writer`, `WRITER` or `ROLE_WRITER`; undefined for anything else (ROLE_UNSPECIFIED included). */
export function parseRole(text: string): Role | undefined {
  const wanted = text
    .trim()
    .toUpperCase()
    .replace(/^ROLE_/, '');
  const role: Role | undefined = RoleSchema.values.find(
    (v) => v.name.replace(/^ROLE_/, '') === wanted,
  )?.number;
  return role === Role.UNSPECIFIED ? undefined : role;
}

/** The role a method requires: its `(cairn.common.v1.required_role)` option, or `fallback` when unset. */
export function requiredRoleOf(method: DescMethod, fallback: Role = DEFAULT_REQUIRED_ROLE): Role {
  if (!hasOption(method, required_role)) return fallback;
  const role = getOption(method, required_role);
  return role === Role.UNSPECIFIED ? fallback : role;
}

/** Roles are ordered READER < WRITER < ADMIN < SERVICE; holding a role grants every lower one. */
export function grantsRole(held: readonly Role[], required: Role): boolean {
  return held.some((role) => role !== Role.UNSPECIFIED && role >= required);
}
