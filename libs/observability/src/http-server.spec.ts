import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HealthRegistry } from './health.js';
import { OpsHttpServer } from './http-server.js';
import { silentLogger } from './logger.js';
import { createMetricsRegistry } from './metrics.js';

describe('OpsHttpServer', () => {
  const health = new HealthRegistry();
  let dependencyUp = true;
  health.register('store', async () => {
    if (!dependencyUp) throw new Error('store is down');
  });
  const server = new OpsHttpServer({
    host: '127.0.0.1',
    port: 0,
    health,
    metrics: createMetricsRegistry('test-service'),
    logger: silentLogger(),
  });
  let base = '';
  before(async () => {
    base = `http://127.0.0.1:${await server.start()}`;
  });
  after(() => server.stop());

  it('answers /healthz while alive', async () => {
    const res = await fetch(`${base}/healthz`);
    assert.equal(res.status, 200);
  });

  it('answers /readyz 200 only when every check passes, naming the failing one', async () => {
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    dependencyUp = false;
    const res = await fetch(`${base}/readyz`);
    assert.equal(res.status, 503);
    const body = (await res.json()) as { checks: Record<string, { ok: boolean; error?: string }> };
    assert.deepEqual(body.checks['store'], { ok: false, error: 'store is down' });
    dependencyUp = true;
  });

  it('serves Prometheus metrics with the service label', async () => {
    const res = await fetch(`${base}/metrics`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /process_cpu_seconds_total\{service="test-service"\}/);
  });

  it('fails readiness once shutting down', async () => {
    health.markShuttingDown();
    assert.equal((await fetch(`${base}/readyz`)).status, 503);
    assert.equal((await fetch(`${base}/healthz`)).status, 503);
  });
});
