/**
 * Whether the standard OpenTelemetry variables ask for a span exporter: OTEL_TRACES_EXPORTER, or an
 * OTLP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT). Without any of
 * them Cairn still traces (ids in logs, context across gRPC and Kafka) but exports nothing, instead
 * of dialling a collector nobody runs.
 */
export function spanExportRequested(
  // eslint-disable-next-line no-restricted-properties -- the config module is the one reader of process.env.
  env: Readonly<Record<string, string | undefined>> = process.env,
): boolean {
  return ['OTEL_TRACES_EXPORTER', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'].some(
    (name) => (env[name] ?? '').trim() !== '',
  );
}
