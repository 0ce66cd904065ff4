export {
  runAuditStoreContract,
  type AuditStoreContractOptions,
  type AuditStoreHarness,
} from './audit-store.contract.js';
export { entry, freshTenant, TestSigner } from './audit-fixtures.js';
