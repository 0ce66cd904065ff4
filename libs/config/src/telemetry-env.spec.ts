import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spanExportRequested } from './telemetry-env.js';

describe('spanExportRequested', () => {
  it('is true only when a standard variable asks for an exporter or an OTLP endpoint', () => {
    assert.equal(spanExportRequested({}), false);
    assert.equal(spanExportRequested({ OTEL_TRACES_EXPORTER: ' ' }), false);
    assert.equal(spanExportRequested({ OTEL_TRACES_EXPORTER: 'none' }), true);
    assert.equal(spanExportRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), true);
    assert.equal(
      spanExportRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' }),
      true,
    );
    assert.equal(spanExportRequested({ OTEL_SERVICE_NAME: 'x' }), false);
  });
});
