import { platformConfigShape } from '@cairn/config';
import { z } from 'zod';

/** Configuration keys of the audit service beyond the platform's. */
export const auditConfigShape = {};

/** The audit process's configuration: the platform schema plus the service's own keys. */
export const auditConfigSchema = z.object({ ...platformConfigShape, ...auditConfigShape });
export type AuditConfig = z.infer<typeof auditConfigSchema>;
