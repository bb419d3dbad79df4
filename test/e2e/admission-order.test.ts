// kube-apiserver's order for a write, shown with the cluster's own admission: mutating admission, then the resource's
// strategy (defaults, metadata.generation, creationTimestamp, its own validation), then validating admission. The
// same ValidatingAdmissionPolicies are bound to the product's VvpDeployments and to the same kind served as a CRD
// (test/conformance/cases/crd.ts), and must decide alike: generation 1 on a create, a generation above the old one
// after a spec change, the schema's default present. The product's own defaults (the platform identity) are seen by
// a policy and a validating webhook, and a write the product's validation refuses (422) never reaches the webhook.
import t, { type Test } from 'tap';
import { CRD_GROUP, definition as crdDefinition } from '../conformance/cases/crd.js';
import { eventually } from '../support/eventually.js';
import { kubectlFor, platformApi, startProduct, vvpDeploymentManifests, type VvpDeploymentOptions } from '../support/product.js';
import { externalNameService, startWebhookServer, type AdmissionRequestSeen } from '../../tools/webhook-server.js';

const stack = await startProduct({ name: 'admission-order' });
const group = stack.apiGroup;
const k = kubectlFor(stack);
const platform = platformApi(stack);
const NS = 'order-on';
const HOOKS_NS = 'order-hooks';
const SPEC_CHANGE = 'order.example.com/spec-change';
const POLICIES = ['order-create', 'order-spec-change', 'order-schema-default', 'order-server-default'];

const hooks = await startWebhookServer({ namespace: HOOKS_NS, name: 'order-hooks' }, { '/record': () => ({ allowed: true }) });
t.teardown(() => hooks.close());

const json = (value: unknown) => JSON.stringify(value);
const writes = async () => (await platform<{ writes: number }>('GET', '/__emulator/requests')).body.writes;
const reviewsOf = (name: string) => (hooks.reviews.get('/record') ?? []).filter((r) => r.name === name || r.object?.metadata.name === name);

async function kubectlOk(args: string[], input?: string) {
  const res = await k(args, input);
  if (res.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${res.stderr}`);
  return res;
}

/** The two sides: the product's resource and the CRD, one manifest builder each. */
const sides = [
  { side: 'product', resource: `vvpdeployments.${group}`, manifest: (name: string, o: VvpDeploymentOptions = {}) => vvpDeploymentManifests(stack, NS)(name, o) },
  { side: 'crd', resource: `vvpdeployments.${CRD_GROUP}`, manifest: (name: string, o: VvpDeploymentOptions = {}) => ({ ...vvpDeploymentManifests(stack, NS)(name, o), apiVersion: `${CRD_GROUP}/v1` }) },
] as const;

interface Seen { metadata: { generation?: number; creationTimestamp?: string; labels?: Record<string, string> }; spec: Record<string, unknown> }
const getObject = async (resource: string, name: string) => JSON.parse((await kubectlOk(['get', resource, name, '-n', NS, '-o', 'json'])).stdout) as Seen;

/** A policy denying objects labelled probe=<its name>, so that a probe shows when a side enforces it. */
function policy(name: string, groups: string[], operations: string[], validations: { expression: string; message: string }[], objectSelector?: Record<string, unknown>) {
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: [{ apiGroups: groups, apiVersions: ['v1'], resources: ['vvpdeployments'], operations }] },
        validations: [...validations, { expression: `object.metadata.?labels.?probe.orValue('') != '${name}'`, message: `probe of ${name}` }],
      },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name },
      spec: { policyName: name, validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { order: 'on' } }, ...(objectSelector ? { objectSelector } : {}) } },
    },
  ];
}

t.before(async () => {
  await kubectlOk(['apply', '-f', '-'], json(crdDefinition));
  for (const ns of [NS, HOOKS_NS]) await kubectlOk(['create', 'namespace', ns]);
  await kubectlOk(['label', 'namespace', NS, 'order=on']);
  await kubectlOk(['apply', '-f', '-'], json(externalNameService(HOOKS_NS, 'order-hooks', hooks.port)));
  await kubectlOk(['apply', '-f', '-'], json({
    apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'order-record' },
    webhooks: [{
      name: 'record.order.e2e', clientConfig: hooks.clientConfig('/record'), admissionReviewVersions: ['v1'], timeoutSeconds: 20,
      rules: [{ apiGroups: [group], apiVersions: ['*'], resources: ['vvpdeployments'], operations: ['CREATE', 'UPDATE'], scope: 'Namespaced' }],
      namespaceSelector: { matchLabels: { order: 'on' } }, sideEffects: 'None', failurePolicy: 'Fail',
    }],
  }));
  const both = [group, CRD_GROUP];
  await kubectlOk(['apply', '-f', '-'], json({
    apiVersion: 'v1', kind: 'List', items: [
      ...policy('order-create', both, ['CREATE'], [
        { expression: 'object.metadata.generation == 1', message: 'a new object has generation 1' },
        { expression: 'has(object.metadata.creationTimestamp)', message: 'a new object has a creationTimestamp' },
      ]),
      ...policy('order-spec-change', both, ['UPDATE'], [
        { expression: 'object.metadata.generation > oldObject.metadata.generation', message: 'a spec change moves the generation' },
      ], { matchLabels: { [SPEC_CHANGE]: 'true' } }),
      ...policy('order-schema-default', both, ['CREATE', 'UPDATE'], [
        { expression: "object.spec.deletionPolicy == 'Cancel'", message: 'the schema defaults deletionPolicy to Cancel' },
      ]),
      // The platform identity is the product's own default (a CRD has no such rule): only the product's group.
      ...policy('order-server-default', [group], ['CREATE'], [
        { expression: 'object.spec.deployment.metadata.name == object.metadata.name', message: 'the platform name defaults to metadata.name' },
        { expression: "object.spec.deployment.metadata.namespace != ''", message: 'the platform namespace is defaulted' },
      ]),
    ],
  }));
  await eventually('the CRD is served', async () => (await k(['get', `vvpdeployments.${CRD_GROUP}`, '-n', NS])).code === 0, 120_000);
  // Both sides read policies through informers: each policy is in force on a side once its probe is refused there.
  for (const s of sides) {
    for (const name of POLICIES.filter((p) => p !== 'order-spec-change' && (p !== 'order-server-default' || s.side === 'product'))) {
      await eventually(`${s.side} enforces ${name}`, async () => {
        const res = await k(['create', '--dry-run=server', '-f', '-'], json(s.manifest(`probe-${name}`, { labels: { probe: name } })));
        return res.code !== 0 && res.stderr.includes(`probe of ${name}`);
      }, 120_000);
    }
    await kubectlOk(['create', '-f', '-'], json(s.manifest('probe-update', { labels: { [SPEC_CHANGE]: 'true' } })));
    await eventually(`${s.side} enforces order-spec-change`, async () => {
      const res = await k(['label', '--dry-run=server', s.resource, 'probe-update', '-n', NS, 'probe=order-spec-change']);
      return res.code !== 0 && res.stderr.includes('order-spec-change');
    }, 120_000);
  }
});

t.teardown(async () => {
  await k(['delete', 'validatingwebhookconfiguration', 'order-record', '--ignore-not-found']);
  await k(['delete', 'validatingadmissionpolicybinding', ...POLICIES, '--ignore-not-found']);
  await k(['delete', 'validatingadmissionpolicy', ...POLICIES, '--ignore-not-found']);
});

t.test('a create: policies on generation == 1, creationTimestamp and the schema default admit it, on the product as on the CRD', async (t) => {
  for (const s of sides) {
    const res = await k(['create', '-f', '-'], json(s.manifest('fresh')));
    t.equal(res.code, 0, `${s.side}: admitted (${res.stderr.trim()})`);
    const created = await getObject(s.resource, 'fresh');
    t.equal(created.metadata.generation, 1, `${s.side}: generation 1`);
    t.equal(created.spec.deletionPolicy, 'Cancel', `${s.side}: the schema's default`);
  }
});

t.test("the validating webhook sees the product's defaults, generation 1 and the creationTimestamp the object keeps", async (t) => {
  const review = reviewsOf('fresh').find((r) => r.operation === 'CREATE' && !r.dryRun) as AdmissionRequestSeen & { object: Seen };
  t.ok(review, 'the webhook was called for the create');
  t.match(review?.object, {
    metadata: { generation: 1, creationTimestamp: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/ },
    spec: { deletionPolicy: 'Cancel', deployment: { metadata: { name: 'fresh', namespace: stack.platforms[0]?.namespaces[0] } } },
  });
  const created = await getObject(`vvpdeployments.${group}`, 'fresh');
  t.equal(created.metadata.creationTimestamp, review?.object.metadata.creationTimestamp, 'the creationTimestamp admission saw is the one stored');
});

t.test('a spec change: a policy on generation > oldObject.generation admits it, on the product as on the CRD', async (t) => {
  for (const s of sides) {
    await kubectlOk(['create', '-f', '-'], json(s.manifest('changed', { labels: { [SPEC_CHANGE]: 'true' } })));
    const res = await k(['patch', s.resource, 'changed', '-n', NS, '--type=merge', '-p', json({ spec: { deployment: { spec: { template: { spec: { parallelism: 2 } } } } } })]);
    t.equal(res.code, 0, `${s.side}: admitted (${res.stderr.trim()})`);
    t.equal((await getObject(s.resource, 'changed')).metadata.generation, 2, `${s.side}: generation 2`);
    // A change of labels only keeps the generation: the same policy refuses it on both sides.
    const relabel = await k(['label', s.resource, 'changed', '-n', NS, 'team=a']);
    t.not(relabel.code, 0, `${s.side}: a metadata-only change does not move the generation`);
    t.match(relabel.stderr, /order-spec-change/);
  }
  const update = reviewsOf('changed').filter((r) => r.operation === 'UPDATE' && !r.dryRun)[0] as AdmissionRequestSeen & { object: Seen; oldObject: Seen };
  t.equal(update?.object.metadata.generation, 2, 'the webhook sees the new generation');
  t.equal(update?.oldObject.metadata.generation, 1, 'and the old one on oldObject');
});

async function refusedByValidation(t: Test, args: string[], input: string | undefined, name: string, message: RegExp) {
  const [before, called] = [await writes(), reviewsOf(name).length];
  const res = await k(args, input);
  t.not(res.code, 0, 'refused');
  t.match(res.stderr, message);
  t.equal(reviewsOf(name).length, called, 'the validating webhook was not called');
  t.equal(await writes(), before, 'the platform saw no write');
}

t.test("a write the product's own validation refuses (422) never reaches a validating webhook", async (t) => {
  const elsewhere = sides[0].manifest('elsewhere') as { spec: { deployment: Record<string, unknown> } };
  elsewhere.spec.deployment.metadata = { namespace: 'not-served' };
  await refusedByValidation(t, ['create', '-f', '-'], json(elsewhere), 'elsewhere',
    /is invalid: spec\.deployment\.metadata\.namespace: Unsupported value: "not-served"/);
  t.same(reviewsOf('elsewhere'), [], 'no review of the refused create at all');
  await kubectlOk(['create', '-f', '-'], json(sides[0].manifest('renamed')));
  const called = reviewsOf('renamed').length;
  t.ok(called > 0, 'the valid create was reviewed');
  await refusedByValidation(t, ['patch', `vvpdeployments.${group}`, 'renamed', '-n', NS, '--type=merge', '-p', json({ spec: { deployment: { metadata: { name: 'other' } } } })], undefined, 'renamed',
    /spec\.deployment\.metadata\.name: Invalid value: "other": field is immutable/);
});
