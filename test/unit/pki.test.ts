import t from 'tap';
import { X509Certificate } from 'node:crypto';
import { CertificateAuthority, serviceDnsNames } from '../../certs/pki.js';

t.test('a serving certificate names the service the aggregator dials and chains to its CA', async (t) => {
  const ca = await CertificateAuthority.create('vvp-apiserver-ca');
  const serving = await ca.issueServing({ commonName: 'vvp-apiserver', dnsNames: serviceDnsNames('vvp-apiserver', 'vvp-system'), ipAddresses: ['127.0.0.1'] });
  const cert = new X509Certificate(serving.certPem);
  const caCert = new X509Certificate(ca.certPem);
  t.ok(cert.verify(caCert.publicKey), 'signed by the CA');
  t.ok(cert.checkIssued(caCert), 'issued by the CA');
  t.ok(cert.checkHost('vvp-apiserver.vvp-system.svc'), 'valid for <service>.<namespace>.svc');
  t.ok(cert.checkIP('127.0.0.1'), 'valid for loopback');
  t.notOk(cert.checkHost('other.vvp-system.svc'), 'not valid for another service');
  t.equal(caCert.ca, true);
  t.equal(cert.ca, false);
});

t.test('a client certificate carries the user as CN and the groups as O', async (t) => {
  const ca = await CertificateAuthority.create('client-ca');
  const client = await ca.issueClient({ commonName: 'alice', organizations: ['system:masters', 'dev'] });
  const cert = new X509Certificate(client.certPem);
  t.match(cert.subject, /CN=alice/);
  t.match(cert.subject, /O=system:masters/);
  t.match(cert.subject, /O=dev/);
  t.ok(cert.keyUsage?.includes('1.3.6.1.5.5.7.3.2'), 'extended key usage clientAuth');
});

t.test('a CA written to disk can be loaded again and keeps issuing', async (t) => {
  const ca = await CertificateAuthority.create('reloaded');
  const again = await CertificateAuthority.load({ certPem: ca.certPem, keyPem: ca.keyPem });
  const client = await again.issueClient({ commonName: 'bob' });
  t.ok(new X509Certificate(client.certPem).verify(new X509Certificate(ca.certPem).publicKey));
});

t.test('validity can be set in the past, for expired-certificate tests', async (t) => {
  const ca = await CertificateAuthority.create('expiry');
  const expired = await ca.issueClient({ commonName: 'late', notBefore: new Date(Date.now() - 3 * 86400_000), notAfter: new Date(Date.now() - 86400_000) });
  t.ok(new Date(new X509Certificate(expired.certPem).validTo).getTime() < Date.now());
});
