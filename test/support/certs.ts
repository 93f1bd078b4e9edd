import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Paths of a test PKI generated with the openssl CLI. */
export interface TestPki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  /** Client certificates by name: `cert` and `key` paths. */
  clients: Record<string, { cert: string; key: string }>;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function ca(dir: string, name: string): void {
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.crt`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
}

function leaf(dir: string, name: string, signer: string, subject: string, extensions: string): void {
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', subject,
    '-keyout', `${name}.key`, '-out', `${name}.csr`], dir);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${signer}.crt`, '-CAkey', `${signer}.key`, '-CAcreateserial',
    '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`], dir);
}

/**
 * Generates, in `dir`: a CA; a server certificate for 127.0.0.1 and localhost; client certificates signed by the
 * CA (`cn-dev`: CN only; `san-dev`: CN "ignored-cn" with DNS SAN "san-dev"; `bad-id`: a CN that is no device id);
 * and `rogue`: CN "cn-dev" signed by a different CA.
 */
export function generateTestPki(dir: string): TestPki {
  ca(dir, 'ca');
  ca(dir, 'other-ca');
  leaf(dir, 'server', 'ca', '/CN=localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  const client = 'extendedKeyUsage=clientAuth\n';
  leaf(dir, 'cn-dev', 'ca', '/CN=cn-dev', client);
  leaf(dir, 'san-dev', 'ca', '/CN=ignored-cn', `${client}subjectAltName=DNS:san-dev\n`);
  leaf(dir, 'bad-id', 'ca', '/CN=not a device id', client);
  leaf(dir, 'rogue', 'other-ca', '/CN=cn-dev', client);
  const c = (name: string): { cert: string; key: string } => ({ cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) });
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
    clients: { 'cn-dev': c('cn-dev'), 'san-dev': c('san-dev'), 'bad-id': c('bad-id'), rogue: c('rogue') },
  };
}
