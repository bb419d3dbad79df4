// The second security review (issue #28), tried as its attackers would: real kube-apiserver, real RBAC, `kubectl
// --as`, and the platform-side forger with an instance-bound platform token. Each attack is judged by what exists
// afterwards on the platform and in each Kubernetes namespace, never by the wording of the refusal; a control (the
// legitimate path) shows each defence does not refuse everything.
//
// Platform namespaces `default` and `team-b` are served. Tenant alice (Kubernetes namespace review2-team-a) has the
// chart's edit role and `use` on platform namespace default with its target default; mallory has the same plus the chart's
// adopt role. A vendor operator instance (its own token) made deployments for other teams' Kubernetes objects.
import t from 'tap';
import { eventually } from '../support/eventually.js';
import { httpsSender, livenessProbe, serverEndpoint } from '../support/hostile.js';
import { attackLedger, vendorOperator } from '../support/security.js';
import { scenario } from '../support/product.js';

const vendor = 'vendor-operator';
const vendorApi = vendorOperator(vendor);
const { stack, k, platform, manifest, resource } = await scenario('review2', {
  vvpNamespaces: ['default', 'team-b'],
  emulatorArgs: ['--token', `${vendorApi.token}:owner:*:${vendor}`],
  adoptFrom: [{ instanceId: vendor, token: vendorApi.token }],
});
const vendorCall = vendorApi.on(stack);
const group = stack.apiGroup;
const tenantNs = 'review2-team-a';
const inTeamA = (name: string, opts?: Parameters<typeof manifest>[1]) => ({ ...manifest(name, opts), metadata: { name, namespace: tenantNs } });
const as = (user: string) => (args: string[], input?: string) => k([`--as=${user}`, ...args], input);
const alice = as('alice');
const mallory = as('mallory');
const ledger = attackLedger();

async function must(what: string, res: Promise<{ code: number; stderr: string; stdout: string }>): Promise<string> {
  const r = await res;
  if (r.code !== 0) throw new Error(`${what}: ${r.stderr}`);
  return r.stdout;
}

interface PlatformDeployment { metadata: { id: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec: { deploymentTargetName?: string } }

/** A deployment as the vendor's operator makes one: its mark, the Kubernetes object it was made for, a target. */
async function vendorDeployment(name: string, target: string, forNamespace: string): Promise<PlatformDeployment> {
  const m = manifest(name);
  const res = await vendorCall<PlatformDeployment>('POST', '/api/v1/namespaces/default/deployments', {
    metadata: { name, labels: { 'ververica.platform/managed-by': vendor }, annotations: { 'ververica.platform/kubernetes-namespace': forNamespace, 'ververica.platform/kubernetes-name': name } },
    spec: { ...m.spec.deployment.spec, deploymentTargetName: target },
  });
  if (res.status >= 300) throw new Error(`vendor deployment ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Whether the vendor still holds `name` (its mark, no record of this server) and no VvpDeployment of the tenant names it. */
async function stillTheVendors(name: string): Promise<boolean> {
  const d = (await platform<PlatformDeployment>('GET', `/api/v1/namespaces/default/deployments/${name}`)).body;
  const marked = d.metadata.labels?.['ververica.platform/managed-by'] === vendor;
  const recorded = Object.keys(d.metadata.annotations ?? {}).some((key) => key.startsWith('k8s.ververica.platform/'));
  const inKube = (await k(['get', resource, name, '-n', tenantNs])).code === 0;
  return marked && !recorded && !inKube;
}

t.before(async () => {
  await must('namespace', k(['create', 'namespace', tenantNs]));
  const teamB = await platform('POST', '/namespaces/v1/namespaces', { name: 'namespaces/team-b' });
  if (teamB.status !== 200) throw new Error(`platform namespace team-b: ${teamB.status}`);
  const target = await platform('POST', '/api/v1/namespaces/default/deployment-targets', { metadata: { name: 'other-team' }, spec: { kubernetes: { namespace: 'other-team-jobs' } } });
  if (target.status !== 201) throw new Error(`target other-team: ${target.status}`);
  for (const user of ['alice', 'mallory']) {
    await must(`${user} edit`, k(['-n', tenantNs, 'create', 'rolebinding', `${user}-edit`, `--clusterrole=${stack.release}:edit`, `--user=${user}`]));
    await must(`${user} platform`, k(['-n', tenantNs, 'create', 'rolebinding', `${user}-platform`, '--role=platform-default', `--user=${user}`]));
  }
  await must('tenant role', k(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'platform-default', namespace: tenantNs },
    rules: [
      { apiGroups: [group], resources: ['platformnamespaces'], resourceNames: ['default'], verbs: ['use'] },
      { apiGroups: [group], resources: ['deploymenttargets'], resourceNames: ['default/default'], verbs: ['use'] },
    ],
  })));
  await must('mallory adopt', k(['-n', tenantNs, 'create', 'rolebinding', 'mallory-adopt', `--clusterrole=${stack.release}:adopt`, '--user=mallory']));
  // Each platform namespace keeps its state under its own directories (the server reads them once a minute).
  for (const pns of ['default', 'team-b']) {
    const defaults = await platform('PATCH', `/api/v1/namespaces/${pns}/deployment-defaults`, {
      spec: { template: { spec: { flinkConfiguration: { 'state.savepoints.dir': `s3://vvp-emulator/savepoints/${pns}`, 'state.checkpoints.dir': `s3://vvp-emulator/checkpoints/${pns}` } } } },
    });
    if (defaults.status !== 200) throw new Error(`deployment defaults of ${pns}: ${defaults.status}`);
  }
  // Another team's deployments (made for Kubernetes namespace team-b), and one of the tenant's on another team's target.
  await vendorDeployment('victim', 'other-team', 'team-b');
  await vendorDeployment('victim-here', 'default', 'team-b');
  await vendorDeployment('stray', 'other-team', tenantNs);
  await vendorDeployment('ours', 'default', tenantNs);
});

t.test('finding 1: adoption takes over only what the user may adopt, where it runs, for its own object', async (t) => {
  const adopting = (name: string, target = 'default') => JSON.stringify({
    ...inTeamA(name), metadata: { name, namespace: tenantNs, annotations: { 'ververica.platform/adopt-from': vendor } },
    spec: { ...inTeamA(name).spec, deployment: { spec: { ...inTeamA(name).spec.deployment.spec, deploymentTargetName: target } } },
  });
  const attacks: [string, typeof alice, string, string][] = [
    ['edit alone adopts another team\'s deployment, naming its own target', alice, 'victim', adopting('victim')],
    ['edit alone adopts a deployment on its own target made for another namespace', alice, 'victim-here', adopting('victim-here')],
    ['adopt grant: a deployment made for another namespace (team-b), on a target it may use', mallory, 'victim-here', adopting('victim-here')],
    ['adopt grant: a deployment made for another namespace, naming its own target', mallory, 'victim', adopting('victim')],
    ['adopt grant: its namespace\'s deployment on another team\'s target, spec naming its own target', mallory, 'stray', adopting('stray')],
    ['adopt grant: its namespace\'s deployment on another team\'s target, spec saying so', mallory, 'stray', adopting('stray', 'other-team')],
  ];
  for (const [what, user, name, body] of attacks) {
    const res = await user(['apply', '-f', '-'], body);
    const held = await stillTheVendors(name);
    ledger.record('adoption', res.code === 0 || !held);
    t.not(res.code, 0, `${what}: refused (${res.stderr.trim()})`);
    t.ok(held, `${what}: the platform deployment is still the vendor's, and no object of the tenant names it`);
  }
  const control = await mallory(['apply', '-f', '-'], adopting('ours'));
  t.equal(control.code, 0, `control: its own namespace's deployment on its own target is adopted (${control.stderr})`);
  t.notOk(await stillTheVendors('ours'), 'control: adopted');
});

t.teardown(() => {
  console.log(`security review 2: ${ledger.summary()}`);
});

t.test('finding 4: another team\'s state directories in any spelling need that team\'s grant', async (t) => {
  const restoring = (name: string, location: string) => JSON.stringify(inTeamA(name, { spec: { initialSavepointSpec: { savepointLocation: location } } }));
  const checkpointing = (name: string, dir: string) => JSON.stringify(inTeamA(name, { deploymentSpec: { template: { spec: { artifact: { kind: 'JAR', jarUri: 'file:///flink/examples/streaming/TopSpeedWindowing.jar' }, flinkConfiguration: { 'state.checkpoints.dir': dir } } } } }));
  const attacks: [string, string][] = [
    ['loc-s3a', restoring('loc-s3a', 's3a://vvp-emulator/savepoints/team-b/savepoint-1')],
    ['loc-s3n', restoring('loc-s3n', 's3n://vvp-emulator/savepoints/team-b/savepoint-1')],
    ['loc-upper-scheme', restoring('loc-upper-scheme', 'S3://vvp-emulator/savepoints/team-b/savepoint-1')],
    ['loc-upper-host', restoring('loc-upper-host', 's3://VVP-EMULATOR/savepoints/team-b/savepoint-1')],
    ['loc-double-slash', restoring('loc-double-slash', 's3://vvp-emulator/savepoints//team-b/savepoint-1')],
    ['loc-leading-slashes', restoring('loc-leading-slashes', 's3://vvp-emulator//savepoints/team-b/savepoint-1')],
    ['loc-escaped', restoring('loc-escaped', 's3://vvp-emulator/savepoints/%74eam-b/savepoint-1')],
    ['loc-escaped-slash', restoring('loc-escaped-slash', 's3://vvp-emulator/savepoints/default%2F..%2Fteam-b/savepoint-1')],
    ['loc-blob-layout', restoring('loc-blob-layout', 's3://vvp-emulator/namespaces//team-b/savepoints/savepoint-1')],
    ['loc-port', restoring('loc-port', 's3://vvp-emulator:/savepoints/team-b/savepoint-1')],
    ['loc-elsewhere-same-store', restoring('loc-elsewhere-same-store', 's3://vvp-emulator/SAVEPOINTS/team-b/savepoint-1')],
    ['ckpt-s3a', checkpointing('ckpt-s3a', 's3a://vvp-emulator/checkpoints/team-b/mine')],
    ['ckpt-double-slash', checkpointing('ckpt-double-slash', 's3://vvp-emulator/checkpoints//team-b/mine')],
  ];
  for (const [name, body] of attacks) {
    const res = await alice(['apply', '-f', '-'], body);
    const onPlatform = (await platform('GET', `/api/v1/namespaces/default/deployments/${name}`)).status === 200;
    ledger.record('state locations', res.code === 0 || onPlatform);
    t.not(res.code, 0, `${name}: refused (${res.stderr.trim()})`);
    t.notOk(onPlatform, `${name}: nothing on the platform`);
  }
  const control = await alice(['apply', '-f', '-'], restoring('loc-own', 's3a://vvp-emulator/savepoints//default/savepoint-1'));
  t.equal(control.code, 0, `control: its own directory, in another spelling (${control.stderr})`);
});

t.test('finding 5: a deployment target runs pods only where its creator may create pods', async (t) => {
  await must('paula admin', k(['create', 'clusterrolebinding', 'review2-paula-admin', `--clusterrole=${stack.release}:platform-admin`, '--user=paula']));
  await must('paula use', k(['create', 'clusterrolebinding', 'review2-paula-use', `--clusterrole=${stack.release}:platform-namespace:default`, '--user=paula']));
  await must('paula jobs', k(['create', 'namespace', 'paula-jobs']));
  await must('pod creator', k(['-n', 'paula-jobs', 'create', 'role', 'pod-creator', '--verb=create', '--resource=pods']));
  await must('paula pods', k(['-n', 'paula-jobs', 'create', 'rolebinding', 'paula-pods', '--role=pod-creator', '--user=paula']));
  const paula = as('paula');
  const body = (name: string, namespace: string) => JSON.stringify({ apiVersion: `${group}/v1`, kind: 'VvpDeploymentTarget', metadata: { name: `default.${name}` }, spec: { kubernetes: { namespace } } });
  for (const [name, namespace] of [['in-kube-system', 'kube-system'], ['in-kube-public', 'kube-public'], ['in-server-ns', stack.namespace], ['in-team-a', tenantNs], ['in-nowhere', 'not-created-yet']] as const) {
    const res = await paula(['create', '--validate=false', '-f', '-'], body(name, namespace));
    const onPlatform = (await platform('GET', `/api/v1/namespaces/default/deployment-targets/${name}`)).status === 200;
    ledger.record('targets', res.code === 0 || onPlatform);
    t.not(res.code, 0, `a target in ${namespace}: refused (${res.stderr.trim()})`);
    t.notOk(onPlatform, `a target in ${namespace}: nothing on the platform`);
  }
  const control = await paula(['create', '--validate=false', '-f', '-'], body('paulas', 'paula-jobs'));
  t.equal(control.code, 0, `control: a target in a namespace where paula may create pods (${control.stderr})`);
  t.equal((await platform('GET', '/api/v1/namespaces/default/deployment-targets/paulas')).status, 200, 'control: on the platform');
});

// Last: on a server without the fix this attack blocks it for hours, and nothing after it could run.
t.test('finding 2: a label against a backtracking policy regex does not block the server', async (t) => {
  const vapNs = 'review2-vap';
  await must('namespace', k(['create', 'namespace', vapNs]));
  await must('label', k(['label', 'namespace', vapNs, 'review2-vap=on']));
  await must('policy', k(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'v1', kind: 'List', items: [
      {
        apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'review2-team-label' },
        spec: {
          failurePolicy: 'Fail',
          matchConstraints: { resourceRules: [{ apiGroups: [group], apiVersions: ['v1'], resources: ['vvpdeployments'], operations: ['CREATE', 'UPDATE'] }] },
          validations: [{ expression: "!has(object.metadata.labels) || !('team' in object.metadata.labels) || object.metadata.labels.team.matches('^([a-z0-9]+-?)+$')", message: 'label team must be lower-case words joined by -' }],
        },
      },
      {
        apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'review2-team-label' },
        spec: { policyName: 'review2-team-label', validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { 'review2-vap': 'on' } } } },
      },
    ],
  })));
  const labelled = (name: string, team: string) => JSON.stringify({ ...manifest(name, { labels: { team } }), metadata: { name, namespace: vapNs, labels: { team } } });
  await eventually('the server applies the policy', async () => {
    const res = await k(['create', '--dry-run=server', '-f', '-'], labelled('probe', 'Not_Words'));
    return res.code !== 0 && /review2-team-label/.test(res.stderr);
  });
  const liveness = livenessProbe(httpsSender(serverEndpoint(stack)).send);
  const attack = await k(['create', '-f', '-'], labelled('frozen', `${'a'.repeat(39)}A`));
  const ordinary = await k(['get', resource, '-n', tenantNs, '-o', 'name']);
  const probe = await liveness.stop();
  ledger.record('regex', probe.failed > 0 || attack.code === 0);
  t.not(attack.code, 0, `the hostile label is refused by the policy (${attack.stderr.trim()})`);
  t.match(attack.stderr, /review2-team-label/, 'refused by the policy itself, not by a timeout');
  t.equal(ordinary.code, 0, 'other requests answer');
  t.equal(probe.failed, 0, `/livez answered every probe meanwhile (${probe.answered} probes)`);
  t.equal((await platform('GET', '/api/v1/namespaces/default/deployments/frozen')).status, 404, 'nothing on the platform');
  const good = await k(['create', '-f', '-'], labelled('words', 'team-a-streaming'));
  t.equal(good.code, 0, `control: a good label passes (${good.stderr})`);
});
