import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HostAllowlist } from './host-allowlist.js';

void describe('HostAllowlist', () => {
  const allowlist = new HostAllowlist(['api.example.com', '*.internal.example', '127.0.0.1:8443']);
  const refusal = (url: string) => allowlist.refusal(new URL(url));

  void it('allows listed hosts on their default port, wildcard subdomains, and exact host:port entries', () => {
    assert.equal(refusal('https://api.example.com/v1/orders'), undefined);
    assert.equal(refusal('http://billing.internal.example/'), undefined);
    assert.equal(refusal('http://127.0.0.1:8443/x'), undefined);
  });

  void it('refuses other hosts, other ports, other schemes and credentials in URLs', () => {
    assert.match(refusal('https://evil.example.org/') ?? '', /not on the http tool's allowlist/);
    assert.match(refusal('https://api.example.com:8080/') ?? '', /not on the/);
    assert.match(
      refusal('https://internal.example/') ?? '',
      /not on the/,
      'a wildcard is for subdomains only',
    );
    assert.match(refusal('http://127.0.0.1:9000/') ?? '', /not on the/);
    assert.match(refusal('file:///etc/passwd') ?? '', /only http and https/);
    assert.match(refusal('https://user:pw@api.example.com/') ?? '', /credentials/);
    assert.equal(new HostAllowlist([]).empty, true);
  });
});
