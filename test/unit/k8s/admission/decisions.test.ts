// The admission room's decisions without a cluster: rule and selector matching, the CEL library, NamespaceLifecycle,
// ValidatingAdmissionPolicy verdicts and their wording, and the webhook dispatchers against a real HTTPS webhook.
import { Registry } from 'prom-client';
import t from 'tap';
import { type AdmissionAttributes, admissionAttributes, operationOptions } from '../../../../apiserver/k8s/admission/attributes.js';
import { AdmissionChain } from '../../../../apiserver/k8s/admission/chain.js';
import { celValue, compile } from '../../../../apiserver/k8s/admission/cel.js';
import { StaticSource } from '../../../../apiserver/k8s/admission/cluster-cache.js';
import { AdmissionMetrics } from '../../../../apiserver/k8s/admission/metrics.js';
import { objectSelectorMatches, ruleMatches } from '../../../../apiserver/k8s/admission/matching.js';
import { type Namespace, NamespaceLifecycle } from '../../../../apiserver/k8s/admission/namespace-lifecycle.js';
import { ValidatingAdmissionPolicies, type ValidatingAdmissionPolicy, type ValidatingAdmissionPolicyBinding } from '../../../../apiserver/k8s/admission/policy.js';
import { MutatingWebhooks, ValidatingWebhooks, type WebhookConfiguration } from '../../../../apiserver/k8s/admission/webhooks.js';
import type { WebhookClientConfig } from '../../../../apiserver/k8s/admission/webhook-client.js';
import { isStatusError } from '../../../../apiserver/k8s/status.js';
import type { KubeObject } from '../../../../apiserver/k8s/types.js';
import { startWebhookServer } from '../../../../tools/webhook-server.js';
import { statusOf } from '../../../support/rejection.js';

const GROUP = 'example.com';

function widget(name: string, labels: Record<string, string> = {}, spec: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: `${GROUP}/v1`, kind: 'Widget', metadata: { name, namespace: 'team', labels }, spec };
}

function attrs(operation: AdmissionAttributes['operation'], object?: KubeObject, oldObject?: KubeObject, extra: Partial<AdmissionAttributes> = {}): AdmissionAttributes {
  return admissionAttributes({
    operation, kind: { group: GROUP, version: 'v1', kind: 'Widget' }, resource: { group: GROUP, version: 'v1', resource: 'widgets' },
    name: (object ?? oldObject)?.metadata.name ?? '', namespace: 'team', object, oldObject,
    userInfo: { username: 'alice', groups: ['dev'], extra: {} }, dryRun: false, options: operationOptions(operation, {}), ...extra,
  });
}

t.test('rules: operations, groups, versions, resources with * and subresources, scope', async (t) => {
  const a = attrs('CREATE', widget('w'));
  const rule = { operations: ['CREATE'], apiGroups: [GROUP], apiVersions: ['v1'], resources: ['widgets'] };
  t.ok(ruleMatches(rule, a));
  t.ok(ruleMatches({ ...rule, operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }, a));
  t.notOk(ruleMatches({ ...rule, operations: ['UPDATE'] }, a));
  t.notOk(ruleMatches({ ...rule, resources: ['widgets/status'] }, a), 'a subresource rule does not take the main resource');
  t.ok(ruleMatches({ ...rule, resources: ['widgets/status'] }, { ...a, subResource: 'status' }));
  t.notOk(ruleMatches({ ...rule, resources: ['*'] }, { ...a, subResource: 'status' }), '* is main resources only');
  t.ok(ruleMatches({ ...rule, resources: ['*/*'] }, { ...a, subResource: 'status' }));
  t.notOk(ruleMatches({ ...rule, scope: 'Cluster' }, a));
  t.ok(ruleMatches({ ...rule, scope: 'Namespaced' }, a));
});

t.test('objectSelector: the new or the old object labels match', async (t) => {
  const selector = { matchLabels: { app: 'web' } };
  t.ok(objectSelectorMatches(selector, attrs('UPDATE', widget('w'), widget('w', { app: 'web' }))));
  t.ok(objectSelectorMatches(selector, attrs('DELETE', undefined, widget('w', { app: 'web' }))));
  t.notOk(objectSelectorMatches(selector, attrs('CREATE', widget('w', { app: 'db' }))));
  t.notOk(objectSelectorMatches({ matchExpressions: [{ key: 'app', operator: 'Bogus' }] }, attrs('CREATE', widget('w', { app: 'web' }))));
});

t.test('CEL: Kubernetes library functions work; an unsupported one is a compile error naming it', async (t) => {
  const ctx = { object: celValue({ spec: { n: 3, xs: [3, 1, 2], s: 'a-b-c' } }) };
  t.equal(compile('object.spec.n <= 8').evaluate(ctx), true, 'JSON integers are CEL ints');
  t.equal(compile("object.spec.s.replace('-', '+')").evaluate(ctx), 'a+b+c');
  t.equal(compile('object.spec.xs.sum() == 6 && object.spec.xs.max() == 3 && !object.spec.xs.isSorted()').evaluate(ctx), true);
  t.same(compile("object.spec.s.findAll('[a-z]')").evaluate(ctx), ['a', 'b', 'c']);
  t.equal(compile("object.?spec.?missing.orValue('none')").evaluate(ctx), 'none');
  t.throws(() => compile("quantity('1Gi')"), /compilation failed: .*quantity/);
  t.throws(() => compile('authorizer.group("x")'), /compilation failed: Unknown variable: authorizer/);
});

t.test('NamespaceLifecycle: missing → 404 namespaces "x" not found; terminating → 403 with a NamespaceTerminating cause', async (t) => {
  const cache = new StaticSource<Namespace>([{ metadata: { name: 'team' }, status: { phase: 'Terminating' } }]);
  const plugin = new NamespaceLifecycle({ cache, live: async () => undefined });
  const missing = await statusOf(plugin.admit({ ...attrs('CREATE', widget('w')), namespace: 'gone' }));
  t.match(missing, { code: 404, reason: 'NotFound', message: 'namespaces "gone" not found' });
  const terminating = await statusOf(plugin.admit(attrs('CREATE', widget('w'))));
  t.match(terminating, {
    code: 403, reason: 'Forbidden',
    message: `widgets.${GROUP} "w" is forbidden: unable to create new content in namespace team because it is being terminated`,
    details: { causes: [{ type: 'NamespaceTerminating', field: 'metadata.namespace' }] },
  });
  t.equal(await statusOf(plugin.admit(attrs('UPDATE', widget('w'), widget('w')))), undefined, 'updates in a terminating namespace pass');
});

function policyPlugin(policies: ValidatingAdmissionPolicy[], bindings: ValidatingAdmissionPolicyBinding[], logs: string[] = []) {
  return new ValidatingAdmissionPolicies({
    policies: new StaticSource(policies), bindings: new StaticSource(bindings),
    namespace: async (name) => ({ metadata: { name, labels: name === 'prod' ? { tier: 'prod' } : {} } }),
    log: (message, fields) => logs.push(`${message} ${JSON.stringify(fields)}`),
  });
}
const rules = { resourceRules: [{ apiGroups: [GROUP], apiVersions: ['*'], resources: ['widgets'], operations: ['CREATE', 'UPDATE'] }] };
const bound = (name: string, actions: Array<'Deny' | 'Warn' | 'Audit'>): ValidatingAdmissionPolicyBinding => ({ metadata: { name }, spec: { policyName: name, validationActions: actions } });

t.test('ValidatingAdmissionPolicy: Deny in kube-apiserver words (422 Invalid unless a reason says otherwise), Warn as a warning', async (t) => {
  const policy: ValidatingAdmissionPolicy = {
    metadata: { name: 'small' },
    spec: { matchConstraints: rules, validations: [{ expression: "namespaceObject.metadata.labels.?tier.orValue('') == 'prod' || object.spec.n <= 8", messageExpression: "'n is ' + string(object.spec.n)" }] },
  };
  const denied = await statusOf(policyPlugin([policy], [bound('small', ['Deny'])]).validate(attrs('CREATE', widget('w', {}, { n: 9 })), []));
  t.match(denied, { code: 422, reason: 'Invalid', message: `widgets.${GROUP} "w" is forbidden: ValidatingAdmissionPolicy 'small' with binding 'small' denied request: n is 9` });
  t.equal(await statusOf(policyPlugin([policy], [bound('small', ['Deny'])]).validate({ ...attrs('CREATE', widget('w', {}, { n: 9 })), namespace: 'prod' }, [])), undefined);
  const warnings: string[] = [];
  await policyPlugin([policy], [bound('small', ['Warn', 'Audit'])]).validate(attrs('CREATE', widget('w', {}, { n: 9 })), warnings);
  t.same(warnings, ["Validation failed for ValidatingAdmissionPolicy 'small' with binding 'small': n is 9"]);
  const forbidden = { ...policy, spec: { ...policy.spec, validations: [{ expression: 'false', reason: 'Forbidden' }] } };
  t.match(await statusOf(policyPlugin([forbidden], [bound('small', ['Deny'])]).validate(attrs('CREATE', widget('w')), [])), { code: 403, message: /denied request: failed expression: false/ });
});

t.test('a refusal carries the warnings gathered before it (sent as Warning headers with the Status)', async (t) => {
  const policy = (name: string, expression: string): ValidatingAdmissionPolicy => ({ metadata: { name }, spec: { matchConstraints: rules, validations: [{ expression, message: `${name} failed` }] } });
  const chain = new AdmissionChain([policyPlugin([policy('a-warn', 'false'), policy('b-deny', 'false')], [bound('a-warn', ['Warn']), bound('b-deny', ['Deny'])])]);
  const err = await chain.admit(attrs('CREATE', widget('w')), () => ['server warning']).then(() => undefined, (e: unknown) => e);
  t.ok(isStatusError(err));
  t.same(isStatusError(err) ? err.warnings : [], ['server warning', "Validation failed for ValidatingAdmissionPolicy 'a-warn' with binding 'a-warn': a-warn failed"]);
});

t.test('ValidatingAdmissionPolicy: an unsupported function fails by failurePolicy and is logged, never crashes', async (t) => {
  const logs: string[] = [];
  const policy = (failurePolicy: 'Fail' | 'Ignore'): ValidatingAdmissionPolicy => ({
    metadata: { name: 'q' }, spec: { failurePolicy, matchConstraints: rules, validations: [{ expression: "quantity(object.spec.mem).isLessThan(quantity('1Gi'))" }] },
  });
  const failed = await statusOf(policyPlugin([policy('Fail')], [bound('q', ['Deny'])], logs).validate(attrs('CREATE', widget('w', {}, { mem: '2Gi' })), []));
  t.match(failed?.message, /ValidatingAdmissionPolicy 'q' with binding 'q' denied request: expression '.*' resulted in error: compilation failed: .*quantity/);
  t.match(logs.join('\n'), /does not type-check.*"policy":"q"/);
  t.equal(await statusOf(policyPlugin([policy('Ignore')], [bound('q', ['Deny'])]).validate(attrs('CREATE', widget('w', {}, { mem: '2Gi' })), [])), undefined);
});

t.test('webhooks: patches applied in order, IfNeeded reinvoked after a later change, denial and dry-run wording', async (t) => {
  const calls: string[] = [];
  const server = await startWebhookServer({ namespace: 'hooks', name: 'hooks' }, {
    '/first': (r) => { calls.push('first'); return { allowed: true, patch: r.object?.metadata.labels?.second ? [{ op: 'add', path: '/metadata/labels/first', value: 'saw-second' }] : [] }; },
    '/second': () => { calls.push('second'); return { allowed: true, patch: [{ op: 'add', path: '/metadata/labels/second', value: 'yes' }], warnings: ['second was here'] }; },
    '/deny': () => ({ allowed: false, status: { code: 403, message: 'no' } }),
  });
  t.teardown(() => server.close());
  const resolver = { resolve: async (_ns: string, _name: string, port: number) => ({ host: '127.0.0.1', port }) };
  const hook = (name: string, path: string, extra: Record<string, unknown> = {}) => ({
    name, clientConfig: server.clientConfig(path) as WebhookClientConfig,
    rules: [{ operations: ['*'], apiGroups: [GROUP], apiVersions: ['*'], resources: ['widgets'] }], sideEffects: 'None', admissionReviewVersions: ['v1'], ...extra,
  });
  const deps = (webhooks: ReturnType<typeof hook>[]) => ({
    configurations: new StaticSource<WebhookConfiguration>([{ metadata: { name: 'c' }, webhooks }]), namespaceLabels: async () => ({}), resolver,
  });
  const chain = new AdmissionChain([new MutatingWebhooks(deps([hook('first.example.com', '/first', { reinvocationPolicy: 'IfNeeded' }), hook('second.example.com', '/second')]))]);
  const result = await chain.admit(attrs('CREATE', widget('w')), () => ['server warning']);
  t.same(calls, ['first', 'second', 'first'], 'first is called again after second changed the object');
  t.same(result.object?.metadata.labels, { second: 'yes', first: 'saw-second' });
  t.same(result.warnings, ['second was here', 'server warning']);

  const registry = new Registry();
  const deny = new ValidatingWebhooks({ ...deps([hook('deny.example.com', '/deny')]), metrics: new AdmissionMetrics(registry) });
  t.match(await statusOf(deny.validate(attrs('CREATE', widget('w')), [])), { code: 403, message: 'admission webhook "deny.example.com" denied the request: no' });
  const metrics = await registry.metrics();
  t.match(metrics, 'apiserver_admission_webhook_rejection_count{name="deny.example.com",operation="CREATE",type="validating",error_type="no_error",rejection_code="403"} 1');
  t.match(metrics, /apiserver_admission_webhook_admission_duration_seconds_count\{name="deny\.example\.com",operation="CREATE",type="validating",rejected="true"\} 1/);
  const sideEffects = new ValidatingWebhooks(deps([hook('deny.example.com', '/deny', { sideEffects: 'Unknown' })]));
  t.match(await statusOf(sideEffects.validate(attrs('CREATE', widget('w'), undefined, { dryRun: true }), [])), { code: 400, message: 'admission webhook "deny.example.com" does not support dry run' });
  const conditioned = new ValidatingWebhooks(deps([hook('deny.example.com', '/deny', { matchConditions: [{ name: 'only-web', expression: "object.metadata.labels.?app.orValue('') == 'web'" }] })]));
  t.equal(await statusOf(conditioned.validate(attrs('CREATE', widget('w')), [])), undefined, 'a false match condition skips the webhook');
  t.match(await statusOf(conditioned.validate(attrs('CREATE', widget('w', { app: 'web' })), [])), { code: 403 });
});

t.test('webhooks: a URL client config with caBundle; timeoutSeconds bounds a slow webhook, failurePolicy decides', async (t) => {
  const server = await startWebhookServer({ namespace: 'hooks', name: 'hooks' }, {
    '/allow': () => ({ allowed: true, warnings: ['by url'] }),
  });
  t.teardown(() => server.close());
  const resolver = { resolve: async () => { throw new Error('no services here'); } };
  const rules = [{ operations: ['CREATE'], apiGroups: [GROUP], apiVersions: ['*'], resources: ['widgets'] }];
  const byUrl = new ValidatingWebhooks({
    configurations: new StaticSource<WebhookConfiguration>([{ metadata: { name: 'u' }, webhooks: [{
      name: 'url.example.com', clientConfig: { url: `https://127.0.0.1:${server.port}/allow`, caBundle: server.caBundle }, rules, sideEffects: 'None', admissionReviewVersions: ['v1'],
    }] }]),
    namespaceLabels: async () => ({}), resolver,
  });
  const warnings: string[] = [];
  await byUrl.validate(attrs('CREATE', widget('w')), warnings);
  t.same(warnings, ['by url']);

  // A port that accepts and never answers: a plain TCP server.
  const { createServer } = await import('node:net');
  const sockets: import('node:net').Socket[] = [];
  const hang = createServer((s) => { sockets.push(s); });
  await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
  t.teardown(() => { for (const s of sockets) s.destroy(); hang.close(); });
  const port = (hang.address() as import('node:net').AddressInfo).port;
  const hanging = (failurePolicy: 'Fail' | 'Ignore') => new ValidatingWebhooks({
    configurations: new StaticSource<WebhookConfiguration>([{ metadata: { name: 'h' }, webhooks: [{
      name: 'hang.example.com', clientConfig: { url: `https://127.0.0.1:${port}/`, caBundle: server.caBundle }, rules, sideEffects: 'None',
      admissionReviewVersions: ['v1'], timeoutSeconds: 1, failurePolicy,
    }] }]),
    namespaceLabels: async () => ({}), resolver,
  });
  t.match(await statusOf(hanging('Fail').validate(attrs('CREATE', widget('w')), [])), {
    code: 500, message: /^Internal error occurred: failed calling webhook "hang\.example\.com": failed to call webhook: Post "https:\/\/127\.0\.0\.1:\d+\/\?timeout=1s": context deadline exceeded$/,
  });
  t.equal(await statusOf(hanging('Ignore').validate(attrs('CREATE', widget('w')), [])), undefined, 'Ignore admits');
});

t.test('ValidatingAdmissionPolicy: params from paramRef; a missing one denies unless parameterNotFoundAction is Allow', async (t) => {
  const limits: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'limits', namespace: 'team' }, data: { max: '4' } };
  const plugin = (paramRef: NonNullable<ValidatingAdmissionPolicyBinding['spec']>['paramRef']) => new ValidatingAdmissionPolicies({
    policies: new StaticSource<ValidatingAdmissionPolicy>([{ metadata: { name: 'max' }, spec: {
      paramKind: { apiVersion: 'v1', kind: 'ConfigMap' }, matchConstraints: rules,
      validations: [{ expression: 'object.spec.n <= int(params.data.max)', messageExpression: "'n must be at most ' + params.data.max" }],
    } }]),
    bindings: new StaticSource<ValidatingAdmissionPolicyBinding>([{ metadata: { name: 'max' }, spec: { policyName: 'max', validationActions: ['Deny'], paramRef } }]),
    namespace: async (name) => ({ metadata: { name } }),
    params: {
      get: async (_v, _k, namespace, name) => (namespace === 'team' && name === 'limits' ? limits : undefined),
      list: async () => [limits],
    },
  });
  t.match(await statusOf(plugin({ name: 'limits' }).validate(attrs('CREATE', widget('w', {}, { n: 5 })), [])), { code: 422, message: /denied request: n must be at most 4$/ });
  t.equal(await statusOf(plugin({ name: 'limits' }).validate(attrs('CREATE', widget('w', {}, { n: 4 })), [])), undefined);
  t.match(await statusOf(plugin({ name: 'other' }).validate(attrs('CREATE', widget('w', {}, { n: 1 })), [])), { message: /no params found for policy binding with `Deny` parameterNotFoundAction/ });
  t.equal(await statusOf(plugin({ name: 'other', parameterNotFoundAction: 'Allow' }).validate(attrs('CREATE', widget('w', {}, { n: 9 })), [])), undefined);
  t.match(await statusOf(plugin({ selector: {} }).validate(attrs('CREATE', widget('w', {}, { n: 5 })), [])), { code: 422 }, 'by selector');
});
