// The cluster's admission applies to VvpDeployments as to any other resource: real webhooks (HTTPS, caBundle,
// reached through a Service) that mutate and deny, failurePolicy with a webhook down, namespace and object
// selectors, ValidatingAdmissionPolicies a platform team would write, and NamespaceLifecycle — each through kubectl
// against the real kube-apiserver, and in every refused case with no write on the platform side.
import t, { type Test } from 'tap';
import { freePort } from '../../tools/cluster/control-plane.js';
import { eventually } from '../support/eventually.js';
import { kubectlFor, platformApi, startProduct, vvpDeploymentManifests, type VvpDeploymentOptions } from '../support/product.js';
import { externalNameService, startWebhookServer, type AdmissionRequestSeen } from '../../tools/webhook-server.js';

const stack = await startProduct({ name: 'admission' });
const group = stack.apiGroup;
const resource = `vvpdeployments.${group}`;
const k = kubectlFor(stack);
const platform = platformApi(stack);

const NS = { on: 'admission-on', off: 'admission-off', vap: 'admission-vap', prod: 'admission-prod', terminating: 'admission-terminating' };
const HOOKS_NS = 'admission-hooks';
const MUTATED = 'admission.example.com/mutated';

const hooks = await startWebhookServer({ namespace: HOOKS_NS, name: 'admission-hooks' }, {
  // Adds a label, as a defaulting webhook would.
  '/mutate': (r) => ({
    allowed: true,
    patch: r.object?.metadata.labels
      ? [{ op: 'add', path: `/metadata/labels/${MUTATED.replace('/', '~1')}`, value: 'true' }]
      : [{ op: 'add', path: '/metadata/labels', value: { [MUTATED]: 'true' } }],
  }),
  // Denies objects labelled deny=true, and deleting objects labelled protect=true.
  '/deny': (r) => {
    const labels = (r.operation === 'DELETE' ? r.oldObject : r.object)?.metadata.labels ?? {};
    if (labels.deny === 'true') return { allowed: false, status: { code: 403, reason: 'Forbidden', message: 'objects labelled deny=true are not allowed here' } };
    if (r.operation === 'DELETE' && labels.protect === 'true') return { allowed: false, status: { code: 403, message: 'this deployment is protected' } };
    return { allowed: true, warnings: ['checked by the deny webhook'] };
  },
});
t.teardown(() => hooks.close());
const closedPort = await freePort();

const writes = async () => (await platform<{ writes: number }>('GET', '/__emulator/requests')).body.writes;

async function kubectlOk(args: string[], input?: string) {
  const res = await k(args, input);
  if (res.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${res.stderr}`);
  return res;
}

const rulesFor = (operations: string[]) => [{ apiGroups: [group], apiVersions: ['*'], resources: ['vvpdeployments'], operations, scope: 'Namespaced' }];

const manifest = (namespace: string, name: string, opts: VvpDeploymentOptions = {}) => vvpDeploymentManifests(stack, namespace)(name, opts);
const json = (value: unknown) => JSON.stringify(value);
const labelsOf = async (namespace: string, name: string) =>
  (JSON.parse((await kubectlOk(['get', resource, name, '-n', namespace, '-o', 'json'])).stdout) as { metadata: { labels?: Record<string, string> } }).metadata.labels ?? {};

/** A refused write: kubectl fails with `message`, and the platform saw no write. */
async function refused(t: Test, args: string[], input: string | undefined, message: RegExp) {
  const before = await writes();
  const res = await k(args, input);
  t.not(res.code, 0, `kubectl ${args.join(' ')} is refused`);
  t.match(res.stderr, message);
  t.equal(await writes(), before, 'the platform saw no write');
  return res;
}

t.before(async () => {
  for (const [ns, labels] of [[NS.on, ['webhooks=on']], [NS.off, []], [NS.vap, ['vap=on']], [NS.prod, ['vap=on', 'tier=prod']], [HOOKS_NS, []]] as const) {
    await kubectlOk(['create', 'namespace', ns]);
    if (labels.length) await kubectlOk(['label', 'namespace', ns, ...labels]);
  }
  await kubectlOk(['apply', '-f', '-'], json(externalNameService(HOOKS_NS, 'admission-hooks', hooks.port)));
  await kubectlOk(['apply', '-f', '-'], json(externalNameService(HOOKS_NS, 'admission-down', closedPort)));
  // Generous timeouts: CI runs on a loaded 2-core machine, and the webhook server shares this test's process.
  const common = { admissionReviewVersions: ['v1'], timeoutSeconds: 20, namespaceSelector: { matchLabels: { webhooks: 'on' } } };
  await kubectlOk(['apply', '-f', '-'], json({
    apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'admission-e2e-mutate' },
    webhooks: [{
      ...common, name: 'mutate.admission.e2e', clientConfig: hooks.clientConfig('/mutate'), rules: rulesFor(['CREATE', 'UPDATE']),
      sideEffects: 'None', failurePolicy: 'Fail', reinvocationPolicy: 'IfNeeded',
      objectSelector: { matchExpressions: [{ key: 'skip-mutation', operator: 'DoesNotExist' }] },
    }],
  }));
  await kubectlOk(['apply', '-f', '-'], json({
    apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'admission-e2e-validate' },
    webhooks: [
      { ...common, name: 'deny.admission.e2e', clientConfig: hooks.clientConfig('/deny'), rules: rulesFor(['CREATE', 'UPDATE', 'DELETE']), sideEffects: 'NoneOnDryRun', failurePolicy: 'Fail' },
      {
        ...common, name: 'down-fail.admission.e2e', sideEffects: 'None', failurePolicy: 'Fail', rules: rulesFor(['CREATE']),
        clientConfig: { service: { namespace: HOOKS_NS, name: 'admission-down', path: '/', port: closedPort }, caBundle: hooks.caBundle },
        objectSelector: { matchLabels: { 'down-test': 'fail' } },
      },
      {
        ...common, name: 'down-ignore.admission.e2e', sideEffects: 'None', failurePolicy: 'Ignore', rules: rulesFor(['CREATE']),
        clientConfig: { service: { namespace: HOOKS_NS, name: 'admission-down', path: '/', port: closedPort }, caBundle: hooks.caBundle },
        objectSelector: { matchLabels: { 'down-test': 'ignore' } },
      },
    ],
  }));
  const vapRules = { resourceRules: [{ apiGroups: [group], apiVersions: ['v1'], resources: ['vvpdeployments'], operations: ['CREATE', 'UPDATE'] }] };
  const template = 'object.spec.deployment.spec.template.spec';
  await kubectlOk(['apply', '-f', '-'], json({
    apiVersion: 'v1', kind: 'List', items: [
      {
        apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'admission-e2e-parallelism' },
        spec: {
          failurePolicy: 'Fail', matchConstraints: vapRules,
          variables: [{ name: 'parallelism', expression: `${template}.?parallelism.orValue(1)` }],
          validations: [{
            expression: "namespaceObject.metadata.?labels.?tier.orValue('') == 'prod' || variables.parallelism <= 8",
            messageExpression: "'parallelism ' + string(variables.parallelism) + ' is above 8; only namespaces labelled tier=prod may run more'",
          }],
        },
      },
      {
        apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'admission-e2e-parallelism' },
        spec: { policyName: 'admission-e2e-parallelism', validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { vap: 'on' } } } },
      },
      {
        apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'admission-e2e-artifacts' },
        spec: {
          matchConstraints: vapRules,
          validations: [{
            expression: `!has(${template}.artifact.jarUri) || ${template}.artifact.jarUri.startsWith('s3://company-artifacts/')`,
            message: 'jarUri must start with s3://company-artifacts/',
          }],
        },
      },
      {
        apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'admission-e2e-artifacts-warn' },
        spec: { policyName: 'admission-e2e-artifacts', validationActions: ['Warn'], matchResources: { namespaceSelector: { matchLabels: { vap: 'on' } } } },
      },
    ],
  }));
  // The server reads all of it through its informers; once a dry run shows the mutation, the configurations are in.
  await eventually('the server sees the webhook configurations', async () => {
    const res = await k(['create', '--dry-run=server', '-o', 'json', '-f', '-'], json(manifest(NS.on, 'probe')));
    return res.code === 0 && (JSON.parse(res.stdout) as { metadata: { labels?: Record<string, string> } }).metadata.labels?.[MUTATED] === 'true';
  });
  await eventually('the server sees the admission policies', async () => {
    const res = await k(['create', '--dry-run=server', '-f', '-'], json(manifest(NS.vap, 'probe', { parallelism: 9 })));
    return res.code !== 0 && res.stderr.includes('admission-e2e-parallelism');
  });
});

t.teardown(async () => {
  await k(['delete', 'mutatingwebhookconfiguration', 'admission-e2e-mutate', '--ignore-not-found']);
  await k(['delete', 'validatingwebhookconfiguration', 'admission-e2e-validate', '--ignore-not-found']);
  await k(['delete', 'validatingadmissionpolicybinding', 'admission-e2e-parallelism', 'admission-e2e-artifacts-warn', '--ignore-not-found']);
  await k(['delete', 'validatingadmissionpolicy', 'admission-e2e-parallelism', 'admission-e2e-artifacts', '--ignore-not-found']);
});

t.test('a mutating webhook labels what kubectl apply creates; the review carries what kube-apiserver sends', async (t) => {
  await kubectlOk(['apply', '-f', '-'], json(manifest(NS.on, 'mutated')));
  t.equal((await labelsOf(NS.on, 'mutated'))[MUTATED], 'true', 'the label the webhook added is on the object');
  const review = (hooks.reviews.get('/mutate') ?? []).filter((r) => r.name === 'mutated' && !r.dryRun).at(-1) as AdmissionRequestSeen;
  t.match(review, {
    kind: { group, version: 'v1', kind: 'VvpDeployment' }, resource: { group, version: 'v1', resource: 'vvpdeployments' },
    requestKind: { group, version: 'v1', kind: 'VvpDeployment' }, requestResource: { group, version: 'v1', resource: 'vvpdeployments' },
    name: 'mutated', namespace: NS.on, operation: 'CREATE', object: { metadata: { name: 'mutated' } }, oldObject: null, dryRun: false,
    options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' },
  });
  t.match(review.uid, /^[0-9a-f-]{36}$/);
  t.ok(review.userInfo.username, 'userInfo names the user');

  // A change through client-side apply (a PATCH) is an UPDATE with the old object.
  await kubectlOk(['apply', '-f', '-'], json(manifest(NS.on, 'mutated', { labels: { team: 'a' } })));
  const update = (hooks.reviews.get('/mutate') ?? []).filter((r) => r.name === 'mutated').at(-1)!;
  t.match(update, { operation: 'UPDATE', options: { kind: 'UpdateOptions' }, oldObject: { metadata: { name: 'mutated' } } });
  t.match(await labelsOf(NS.on, 'mutated'), { team: 'a', [MUTATED]: 'true' });
});

t.test('kubectl apply --server-side: created and updated objects pass the mutating webhook', async (t) => {
  await kubectlOk(['apply', '--server-side', '--field-manager=e2e', '-f', '-'], json(manifest(NS.on, 'ssa')));
  t.equal((await labelsOf(NS.on, 'ssa'))[MUTATED], 'true');
  await kubectlOk(['apply', '--server-side', '--field-manager=e2e', '-f', '-'], json(manifest(NS.on, 'ssa', { parallelism: 2 })));
  const last = (hooks.reviews.get('/mutate') ?? []).filter((r) => r.name === 'ssa').at(-1)!;
  t.equal(last.operation, 'UPDATE');
  t.equal((await labelsOf(NS.on, 'ssa'))[MUTATED], 'true');
});

t.test('--dry-run=server: the answer shows the mutation, the webhooks are told, the platform is not written', async (t) => {
  const before = await writes();
  const res = await kubectlOk(['apply', '--dry-run=server', '-o', 'json', '-f', '-'], json(manifest(NS.on, 'dry')));
  t.equal((JSON.parse(res.stdout) as { metadata: { labels: Record<string, string> } }).metadata.labels[MUTATED], 'true');
  t.equal(await writes(), before, 'no platform write');
  t.equal((hooks.reviews.get('/deny') ?? []).filter((r) => r.name === 'dry').at(-1)?.dryRun, true, 'the review says dryRun');
  t.match(res.stderr, /Warning: checked by the deny webhook/, "the validating webhook's warning reaches kubectl");
});

t.test('a validating webhook denies, in kube-apiserver words, through apply, apply --server-side and --dry-run=server', async (t) => {
  const denied = json(manifest(NS.on, 'denied', { labels: { deny: 'true' } }));
  const words = /admission webhook "deny\.admission\.e2e" denied the request: objects labelled deny=true are not allowed here/;
  await refused(t, ['apply', '-f', '-'], denied, words);
  await refused(t, ['apply', '--server-side', '-f', '-'], denied, words);
  await refused(t, ['apply', '--dry-run=server', '-f', '-'], denied, words);
  // An update to a denied state is refused too, and the object stays as it was.
  await refused(t, ['apply', '-f', '-'], json(manifest(NS.on, 'mutated', { labels: { team: 'a', deny: 'true' } })), words);
  t.notOk((await labelsOf(NS.on, 'mutated')).deny, 'the object is unchanged');
});

t.test('kubectl delete (and deletecollection) passes the validating webhook, with the live object as oldObject', async (t) => {
  await kubectlOk(['apply', '-f', '-'], json(manifest(NS.on, 'protected', { labels: { protect: 'true' } })));
  await refused(t, ['delete', resource, 'protected', '-n', NS.on, '--wait=false'], undefined, /admission webhook "deny\.admission\.e2e" denied the request: this deployment is protected/);
  await refused(t, ['delete', resource, 'protected', '-n', NS.on, '--dry-run=server'], undefined, /this deployment is protected/);
  const review = (hooks.reviews.get('/deny') ?? []).filter((r) => r.name === 'protected' && r.operation === 'DELETE').at(-1)!;
  t.match(review, { object: null, oldObject: { metadata: { name: 'protected', labels: { protect: 'true' } } }, options: { kind: 'DeleteOptions' } });
  // deletecollection passes admission for each object it would delete.
  await refused(t, ['delete', '--raw', `/apis/${group}/v1/namespaces/${NS.on}/vvpdeployments?labelSelector=protect%3Dtrue`], undefined, /this deployment is protected/);
  t.equal((await k(['get', resource, 'protected', '-n', NS.on])).code, 0, 'still there');
  await kubectlOk(['label', resource, 'protected', '-n', NS.on, 'protect-']);
  await kubectlOk(['delete', resource, 'protected', '-n', NS.on, '--wait=false']);
});

t.test('namespaceSelector and objectSelector decide which writes a webhook sees', async (t) => {
  await kubectlOk(['apply', '-f', '-'], json(manifest(NS.off, 'elsewhere', { labels: { deny: 'true' } })));
  const labels = await labelsOf(NS.off, 'elsewhere');
  t.notOk(labels[MUTATED], 'a namespace without webhooks=on is not mutated');
  t.equal(labels.deny, 'true', '…nor denied');
  await kubectlOk(['apply', '-f', '-'], json(manifest(NS.on, 'skipped', { labels: { 'skip-mutation': 'true' } })));
  t.notOk((await labelsOf(NS.on, 'skipped'))[MUTATED], 'an object the objectSelector excludes is not mutated');
});

t.test('failurePolicy: a webhook that cannot be reached refuses with Fail and lets the write pass with Ignore', async (t) => {
  await refused(t, ['apply', '-f', '-'], json(manifest(NS.on, 'down-fail', { labels: { 'down-test': 'fail' } })),
    /Internal error occurred: failed calling webhook "down-fail\.admission\.e2e": failed to call webhook: Post "https:\/\/admission-down\.admission-hooks\.svc:\d+\/\?timeout=20s": .*connection refused/);
  await kubectlOk(['apply', '-f', '-'], json(manifest(NS.on, 'down-ignore', { labels: { 'down-test': 'ignore' } })));
  t.equal((await labelsOf(NS.on, 'down-ignore'))['down-test'], 'ignore', 'admitted');
});

t.test('ValidatingAdmissionPolicy: parallelism ≤ 8 unless the namespace is tier=prod (Deny); jarUri from s3://company-artifacts/ (Warn)', async (t) => {
  const wide = await refused(t, ['apply', '-f', '-'], json(manifest(NS.vap, 'wide', { parallelism: 9 })),
    /ValidatingAdmissionPolicy 'admission-e2e-parallelism' with binding 'admission-e2e-parallelism' denied request: parallelism 9 is above 8; only namespaces labelled tier=prod may run more/);
  t.match(wide.stderr, /Warning: Validation failed for ValidatingAdmissionPolicy 'admission-e2e-artifacts'/, 'the warnings of the other binding come with the refusal');
  const prod = await kubectlOk(['apply', '-f', '-'], json(manifest(NS.prod, 'wide', { parallelism: 9 })));
  t.match(prod.stderr, /Warning: Validation failed for ValidatingAdmissionPolicy 'admission-e2e-artifacts' with binding 'admission-e2e-artifacts-warn': jarUri must start with s3:\/\/company-artifacts\//);
  const narrow = await kubectlOk(['apply', '-f', '-'], json(manifest(NS.vap, 'narrow', {
    parallelism: 8, deploymentSpec: { template: { spec: { artifact: { kind: 'JAR', jarUri: 's3://company-artifacts/job.jar' }, parallelism: 8 } } },
  })));
  t.notMatch(narrow.stderr, /Warning: Validation failed/, 'an artifact from the company bucket draws no warning');
});

t.test('kube\'s own CEL decides: quantity() and RE2 (?i) regular expressions, which a re-implementation lacked', async (t) => {
  const vapRules = { resourceRules: [{ apiGroups: [group], apiVersions: ['v1'], resources: ['vvpdeployments'], operations: ['CREATE', 'UPDATE'] }] };
  await kubectlOk(['apply', '-f', '-'], json({
    apiVersion: 'v1', kind: 'List', items: [
      {
        apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'admission-e2e-kube-cel' },
        spec: {
          failurePolicy: 'Fail', matchConstraints: vapRules,
          validations: [
            { expression: "quantity(object.metadata.?labels.?memory.orValue('1Gi')).isLessThan(quantity('4Gi'))", message: 'the memory label must be below 4Gi' },
            { expression: "!object.metadata.name.matches('(?i)^FORBIDDEN')", message: 'names starting with forbidden are refused' },
          ],
        },
      },
      {
        apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'admission-e2e-kube-cel' },
        spec: { policyName: 'admission-e2e-kube-cel', validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { vap: 'on' } } } },
      },
    ],
  }));
  t.teardown(async () => {
    await k(['delete', 'validatingadmissionpolicybinding', 'admission-e2e-kube-cel', '--ignore-not-found']);
    await k(['delete', 'validatingadmissionpolicy', 'admission-e2e-kube-cel', '--ignore-not-found']);
  });
  await eventually('the server sees the kube-cel policy', async () => {
    const res = await k(['create', '--dry-run=server', '-f', '-'], json(manifest(NS.vap, 'forbidden-probe')));
    return res.code !== 0 && res.stderr.includes('admission-e2e-kube-cel');
  });
  await refused(t, ['create', '-f', '-'], json(manifest(NS.vap, 'forbidden-lower')),
    /ValidatingAdmissionPolicy 'admission-e2e-kube-cel' with binding 'admission-e2e-kube-cel' denied request: names starting with forbidden are refused/);
  await refused(t, ['create', '-f', '-'], json(manifest(NS.vap, 'big-memory', { labels: { memory: '8Gi' } })),
    /ValidatingAdmissionPolicy 'admission-e2e-kube-cel' with binding 'admission-e2e-kube-cel' denied request: the memory label must be below 4Gi/);
  await kubectlOk(['create', '-f', '-'], json(manifest(NS.vap, 'small-memory', { labels: { memory: '512Mi' } })));
});

t.test('NamespaceLifecycle: no object in a missing namespace, no new object in a terminating one', async (t) => {
  await refused(t, ['create', '-f', '-'], json(manifest('admission-missing', 'nowhere')), /namespaces "admission-missing" not found/);
  await kubectlOk(['create', 'namespace', NS.terminating]);
  // A finalizer on a ConfigMap keeps the namespace Terminating while the namespace controller empties it.
  await kubectlOk(['create', '-f', '-'], json({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'hold', namespace: NS.terminating, finalizers: ['e2e.example.com/hold'] } }));
  await kubectlOk(['delete', 'namespace', NS.terminating, '--wait=false']);
  await eventually('the namespace is Terminating', async () => (await k(['get', 'namespace', NS.terminating, '-o', 'jsonpath={.status.phase}'])).stdout === 'Terminating');
  await eventually('the server sees the namespace Terminating', async () => {
    const res = await k(['create', '--dry-run=server', '-f', '-'], json(manifest(NS.terminating, 'late')));
    return res.code !== 0 && res.stderr.includes('being terminated');
  });
  await refused(t, ['create', '-f', '-'], json(manifest(NS.terminating, 'late')),
    /vvpdeployments\.[a-z0-9.]+ "late" is forbidden: unable to create new content in namespace admission-terminating because it is being terminated/);
  await kubectlOk(['patch', 'configmap', 'hold', '-n', NS.terminating, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
});
