import { runServiceProcess } from '@cairn/platform';
import { auditConfigSchema } from './audit.config.js';
import { AuditModule } from './audit.module.js';

await runServiceProcess({ name: 'audit', configSchema: auditConfigSchema, modules: [AuditModule] });
