import https from 'node:https';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { CertificateAuthority } from '../../../certs/pki.js';
import { VvpClient } from '../../../apiserver/vvp/index.js';

const ca = await CertificateAuthority.create('vvp-test-ca');
const serving = await ca.issueServing({ commonName: 'vvp', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
const server = https.createServer({ cert: serving.certPem, key: serving.keyPem }, (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{"status":{"jvmVersion":"17"}}');
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
t.teardown(() => server.close());
const baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

function client(t: { teardown(fn: () => void): void }, caPem?: string): VvpClient {
  const c = new VvpClient({ baseUrl, token: 'secret', ...(caPem ? { ca: caPem } : {}) });
  t.teardown(() => c.close());
  return c;
}

t.test('https with the platform CA', async (t) => {
  t.same(await client(t, ca.certPem).getSystemInfo(), { status: { jvmVersion: '17' } });
});

t.test('an untrusted certificate → unreachable, naming the TLS failure', async (t) => {
  const err = await client(t).getSystemInfo().catch((e: unknown) => e);
  t.match(err, { name: 'VvpError', kind: 'unreachable', message: /certificate/i });
  const other = await CertificateAuthority.create('some-other-ca');
  await t.rejects(client(t, other.certPem).getSystemInfo(), { name: 'VvpError', kind: 'unreachable' });
});
