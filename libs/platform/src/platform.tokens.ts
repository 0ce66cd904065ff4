/** Injection token of the process's validated configuration (the service's own schema type). */
export const PLATFORM_CONFIG = Symbol('PLATFORM_CONFIG');
/** Injection token of the process logger (pino). */
export const LOGGER = Symbol('LOGGER');
/** Injection token of the Prometheus registry served on `/metrics`. */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');
/** Injection token of the key (role SERVICE) this process calls other Cairn services with. */
export const SERVICE_API_KEY = Symbol('SERVICE_API_KEY');
/** Injection token of the process name (`all-in-one`, `ingestion`, …), as `cairn status` reports it. */
export const PROCESS_NAME = Symbol('PROCESS_NAME');
