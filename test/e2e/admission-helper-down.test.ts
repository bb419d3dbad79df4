// While the kube-admission helper is down, writes fail closed. The helper is this server's own admission chain (as
// kube-apiserver's plugins are part of kube-apiserver), not a webhook: no configuration's failurePolicy can admit a
// write that admission did not decide, so every write is refused 503 and nothing reaches the platform — even with a
// failurePolicy: Ignore policy bound — while reads are served. When the helper is back (the server restarts it), writes
// are decided again. The stack runs its own copy of the helper binary, so that the test can keep it from restarting.
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { CRD_GROUP } from '../conformance/cases/crd.js';
import { JSON_CT, manifest } from '../conformance/cases/fixtures.js';
import { kubeSenders, makeSide, parseBody, statusOf } from '../support/differential.js';
import { eventually } from '../support/eventually.js';
import { platformApi, startProduct } from '../support/product.js';

const shared = process.env.KUBE_ADMISSION_BIN;
if (!shared) throw new Error('KUBE_ADMISSION_BIN must name the kube-admission binary (make test sets it)');
const binary = join(mkdtempSync(join(tmpdir(), 'helper-down-')), 'kube-admission');
copyFileSync(shared, binary);
process.env.KUBE_ADMISSION_BIN = binary;

const stack = await startProduct({ name: 'admission-helper-down' });
const senders = kubeSenders(stack.controlPlane);
t.teardown(() => senders.close());
const product = makeSide({ side: 'product', group: stack.apiGroup, cp: stack.controlPlane, senders });
const platform = platformApi(stack);
const writes = async () => (await platform<{ writes: number }>('GET', '/__emulator/requests')).body.writes;
const NS = 'helper-down';

/** The helper: the server's child process running this test's copy of the binary. */
function helperPids(): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((d) => {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      return ppid === stack.pids.server && readFileSync(`/proc/${d}/cmdline`, 'utf8').startsWith(binary) ? [Number(d)] : [];
    } catch {
      return [];
    }
  });
}

const createNamed = (name: string) => senders.send({ method: 'POST', path: product.collection(NS), headers: JSON_CT, body: JSON.stringify(manifest(product, NS, name)) });

t.before(async () => {
  await senders.send({ method: 'POST', path: '/api/v1/namespaces', headers: JSON_CT, body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }) });
  // A policy whose own failures are ignored: it does not make the helper's absence an "admit".
  await senders.send({
    method: 'POST', path: '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies', headers: JSON_CT, body: JSON.stringify({
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'helper-down-ignore' },
      spec: { failurePolicy: 'Ignore', matchConstraints: { resourceRules: [{ apiGroups: [stack.apiGroup, CRD_GROUP], apiVersions: ['v1'], resources: ['vvpdeployments'], operations: ['CREATE'] }] }, validations: [{ expression: 'true' }] },
    }),
  });
  await senders.send({
    method: 'POST', path: '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings', headers: JSON_CT, body: JSON.stringify({
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'helper-down-ignore' },
      spec: { policyName: 'helper-down-ignore', validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': NS } } } },
    }),
  });
});

t.teardown(async () => {
  await senders.send({ method: 'DELETE', path: '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings/helper-down-ignore' });
  await senders.send({ method: 'DELETE', path: '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/helper-down-ignore' });
});

t.test('with the helper down, writes are refused 503 and reach nothing; reads are served; when it is back, writes are decided again', async (t) => {
  await eventually('a create is admitted while the helper runs', async () => (await createNamed('before')).status === 201, 120_000);
  t.equal(helperPids().length, 1, 'the server runs one helper');

  // The helper cannot restart: its binary is moved away, then the running one is killed.
  renameSync(binary, `${binary}.away`);
  for (const pid of helperPids()) process.kill(pid, 'SIGKILL');
  await eventually('the helper is gone', async () => helperPids().length === 0, 60_000);

  const platformWrites = await writes();
  const refused = await createNamed('during');
  t.equal(refused.status, 503, 'a create is refused 503');
  t.match(statusOf(refused), { reason: 'ServiceUnavailable', message: /^admission is unavailable: / });
  const update = await senders.send({ method: 'PATCH', path: product.item(NS, 'before'), headers: { 'content-type': 'application/merge-patch+json' }, body: JSON.stringify({ metadata: { labels: { during: 'outage' } } }) });
  t.equal(update.status, 503, 'an update is refused 503');
  const removal = await senders.send({ method: 'DELETE', path: product.item(NS, 'before') });
  t.equal(removal.status, 503, 'a delete is refused 503');
  t.equal(await writes(), platformWrites, 'the platform saw no write');
  const read = await senders.send({ path: product.item(NS, 'before'), headers: { accept: 'application/json' } });
  t.equal(read.status, 200, 'reads are served');
  t.notMatch(parseBody(read.body), { metadata: { labels: { during: 'outage' } } }, 'the refused update left nothing');

  renameSync(`${binary}.away`, binary);
  await eventually('the server restarts the helper and a create is admitted again', async () => (await createNamed('after')).status === 201, 180_000);
  t.equal(helperPids().length, 1, 'one helper runs again');
});
