// `make certs`: a CA and a serving certificate for <service>.<namespace>.svc, plus the CA bundle an APIService needs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CertificateAuthority, serviceDnsNames } from './pki.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'certs/generated' },
    service: { type: 'string', default: 'vvp-apiserver' },
    namespace: { type: 'string', default: 'vvp-system' },
    'ip': { type: 'string', multiple: true, default: ['127.0.0.1'] },
    days: { type: 'string', default: '365' },
  },
});

const ca = await CertificateAuthority.create(`${values.service}-ca`);
const serving = await ca.issueServing({
  commonName: `${values.service}.${values.namespace}.svc`,
  dnsNames: [...serviceDnsNames(values.service, values.namespace), 'localhost'],
  ipAddresses: values.ip,
  validDays: Number(values.days),
});
mkdirSync(values.out, { recursive: true });
writeFileSync(join(values.out, 'ca.crt'), ca.certPem);
writeFileSync(join(values.out, 'ca.key'), ca.keyPem, { mode: 0o600 });
writeFileSync(join(values.out, 'tls.crt'), serving.certPem);
writeFileSync(join(values.out, 'tls.key'), serving.keyPem, { mode: 0o600 });
writeFileSync(join(values.out, 'ca-bundle.b64'), Buffer.from(ca.certPem).toString('base64'));
console.log(`wrote ca.crt, tls.crt, tls.key and ca-bundle.b64 (the APIService caBundle) to ${values.out}`);
