export {
  runDocumentRegistryContract,
  type DocumentRegistryContractOptions,
  type DocumentRegistryHarness,
} from './document-registry.contract.js';
