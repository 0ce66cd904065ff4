import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A PEM certificate and its private key, as files and as bytes. */
export interface TestCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** What {@link TestCertificateAuthority.issue} puts in a certificate. */
export interface IssueOptions {
  /** Subject alternative names of a server certificate (`localhost`, `127.0.0.1`); none for a client. */
  readonly serverNames?: readonly string[];
}

/**
 * A throw-away certificate authority for TLS tests, made with the `openssl` command (RSA 2048,
 * valid two days) in a fresh temporary directory. Certificates it issues chain to {@link cert}.
 */
export class TestCertificateAuthority {
  private constructor(
    readonly dir: string,
    private readonly slug: string,
    readonly cert: TestCertificate,
  ) {}

  /** Creates a self-signed CA named `name`. */
  static create(name = 'cairn test CA'): TestCertificateAuthority {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-pki-'));
    const slug = name.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase();
    openssl(dir, [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      `${slug}.key`,
      '-out',
      `${slug}.crt`,
    ]);
    return new TestCertificateAuthority(dir, slug, read(dir, slug));
  }

  /** Issues a certificate for `commonName`, signed by this CA. */
  issue(commonName: string, options: IssueOptions = {}): TestCertificate {
    const name = `${this.slug}-${commonName.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase()}`;
    openssl(this.dir, [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      `/CN=${commonName}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
    ]);
    const ext: string[] = [];
    if (options.serverNames?.length) {
      const sans = options.serverNames.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`));
      writeFileSync(join(this.dir, `${name}.ext`), `subjectAltName=${sans.join(',')}\n`);
      ext.push('-extfile', `${name}.ext`);
    }
    openssl(this.dir, [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      this.cert.certFile,
      '-CAkey',
      this.cert.keyFile,
      '-CAcreateserial',
      '-days',
      '2',
      '-out',
      `${name}.crt`,
      ...ext,
    ]);
    return read(this.dir, name);
  }
}

function openssl(cwd: string, args: string[]): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function read(dir: string, name: string): TestCertificate {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  return { certFile, keyFile, cert: readFileSync(certFile), key: readFileSync(keyFile) };
}
