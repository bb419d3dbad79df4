// Admission indistinguishable from a CRD's: the policy tables (cases/policies.ts, cases/cel-library.ts,
// cases/policy-tables.ts) and the webhook table (cases/webhooks.ts, a real HTTPS webhook server) applied, through the suite's real
// kube-apiserver, to the product's vvpdeployments (decided by kube's own plugins in the kube-admission helper) and to the
// same kind served as a CRD (decided by kube-apiserver itself). Each case's two answers — code, Status, warnings, the
// admitted object, and for webhooks every AdmissionReview received — are compared after the differential harness's normalisation; a difference fails unless
// docs/crd-differences.md lists the case with its reason. The counts go to .state/admission-conformance-summary.txt,
// which `make test` prints.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import t from 'tap';
import { documentedCases, isObj, kubeSenders, makeSide, parseBody, runCases, statusOf, withoutEffectWarning, type Case, type CaseResult, type SideApi } from '../support/differential.js';
import { eventually } from '../support/eventually.js';
import { startProduct } from '../support/product.js';
import { CRD_GROUP, installCrd } from './cases/crd.js';
import { JSON_CT, MERGE, manifest, type Json } from './cases/fixtures.js';
import { CEL_LIBRARY_CASES } from './cases/cel-library.js';
import { POLICY_CASES as HAND_WRITTEN, type PolicyCase } from './cases/policies.js';
import { POLICY_TABLE_CASES } from './cases/policy-tables.js';
import { WEBHOOK_CASES, type WebhookCase } from './cases/webhooks.js';
import { webhookSuite } from '../support/admission-webhooks.js';

const POLICY_CASES = [...HAND_WRITTEN, ...CEL_LIBRARY_CASES, ...POLICY_TABLE_CASES];

const NS = 'adm-conf';
const REG = '/apis/admissionregistration.k8s.io/v1';
const MARK = { 'adm-conformance': 'yes' };

const stack = await startProduct({ name: 'admission-parity' });
const cp = stack.controlPlane;
const senders = kubeSenders(cp);
const product = makeSide({ side: 'product', group: stack.apiGroup, cp, senders });
const crd = makeSide({ side: 'crd', group: CRD_GROUP, cp, senders });

const idOf = (i: number) => `c${i}`;
/** Cases whose policy kube-apiserver refused to store (named in the output; they belong out of the table). */
const rejected = new Map<string, string>();
const post = async (path: string, body: unknown) => {
  const res = await senders.send({ method: 'POST', path, headers: JSON_CT, body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${res.body.slice(0, 400)}`);
};

/** The policy, its binding and its params, all selecting only objects labelled `adm-case: <id>`. */
async function install(c: PolicyCase, id: string): Promise<void> {
  const mutating = c.kind === 'mutating';
  const kind = mutating ? 'MutatingAdmissionPolicy' : 'ValidatingAdmissionPolicy';
  const plural = mutating ? 'mutatingadmissionpolicies' : 'validatingadmissionpolicies';
  const name = `adm-${id}`;
  if (c.params) {
    await post(`/api/v1/namespaces/${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `adm-p-${id}`, labels: { ...MARK, 'adm-param': id } }, data: c.params });
  }
  const matchConstraints = { resourceRules: [{ apiGroups: [product.group, crd.group], apiVersions: ['v1'], resources: ['vvpdeployments'], operations: c.operations ?? ['CREATE', 'UPDATE'] }] };
  await post(`${REG}/${plural}`, { apiVersion: 'admissionregistration.k8s.io/v1', kind, metadata: { name, labels: MARK }, spec: { ...c.policy, matchConstraints } });
  const binding = JSON.parse(JSON.stringify(c.binding ?? {}).split('<params>').join(`adm-p-${id}`).split('<id>').join(id)) as Record<string, Json>;
  await post(`${REG}/${plural.replace('policies', 'policybindings')}`, {
    apiVersion: 'admissionregistration.k8s.io/v1', kind: `${kind}Binding`, metadata: { name, labels: MARK },
    spec: { policyName: name, ...(mutating ? {} : { validationActions: ['Deny'] }), ...binding, matchResources: { objectSelector: { matchLabels: { 'adm-case': id } } } },
  });
}

/** What a client reads of an admission answer. */
function observed(res: { status: number; body: string; headers: Record<string, string | string[] | undefined> }): Record<string, unknown> {
  const warnings = withoutEffectWarning(res.headers.warning) ?? 'none';
  if (res.status >= 400) return { warnings, status: statusOf(res as never) };
  const body = parseBody(res.body);
  const m = isObj(body) && isObj(body.metadata) ? body.metadata : {};
  return { code: res.status, warnings, labels: m.labels, annotations: m.annotations ?? 'absent', spec: isObj(body) ? body.spec : body };
}

function caseOf(c: PolicyCase, id: string): Case {
  return {
    name: `admission/${c.name}`,
    run: async (s: SideApi) => {
      const m = manifest(s, NS, `adm-${id}`, { ...c.object, labels: { ...c.object?.labels, 'adm-case': id } });
      if (!c.update) return observed(await s.send({ method: 'POST', path: `${s.collection(NS)}?dryRun=All`, headers: JSON_CT, body: JSON.stringify(m) }));
      const made = await s.send({ method: 'POST', path: s.collection(NS), headers: JSON_CT, body: JSON.stringify(m) });
      if (made.status !== 201) return { create: observed(made) };
      return observed(await s.send({ method: 'PATCH', path: `${s.item(NS, `adm-${id}`)}?dryRun=All`, headers: MERGE, body: JSON.stringify(c.update) }));
    },
  };
}

/** A sentinel installed after every case: once both sides apply it, they have seen what was installed before it. */
const SENTINELS: PolicyCase[] = [
  { name: 'sentinel/validating', policy: { failurePolicy: 'Fail', validations: [{ expression: 'false', message: 'sentinel' }] } },
  { name: 'sentinel/mutating', kind: 'mutating', policy: { failurePolicy: 'Fail', reinvocationPolicy: 'Never', mutations: [{ patchType: 'ApplyConfiguration', applyConfiguration: { expression: "Object{metadata: Object.metadata{labels: {'sentinel': 'seen'}}}" } }] } },
  { name: 'sentinel/params', policy: { failurePolicy: 'Fail', paramKind: { apiVersion: 'v1', kind: 'ConfigMap' }, validations: [{ expression: "params.data.ready != 'yes'", message: 'sentinel params' }] }, binding: { paramRef: { name: '<params>', namespace: NS, parameterNotFoundAction: 'Allow' } }, params: { ready: 'yes' } },
];

const hooks = await webhookSuite({
  ns: NS, hooksNs: 'adm-conf-hooks', groups: [product.group, crd.group], mark: MARK, post, observed,
  installMap: (policy, id) => install({ name: `map-of-${id}`, kind: 'mutating', policy }, id),
});
const webhookId = (i: number) => `w${i}`;
/** Installed after every webhook case: a mutating webhook's label, seen by a validating webhook that then denies. */
const WEBHOOK_SENTINEL: WebhookCase = {
  name: 'sentinel/webhooks', action: 'create-dry', hooks: [
    { type: 'mutating', answer: () => ({ allowed: true, patch: [{ op: 'add', path: '/metadata/labels/wh-sentinel', value: 'seen' }] }) },
    { type: 'validating', answer: (r) => r.object?.metadata.labels?.['wh-sentinel'] ? { allowed: false, status: { message: 'webhook sentinel' } } : { allowed: true } },
  ],
};
async function webhookSentinelSeen(s: SideApi): Promise<boolean> {
  const a = await hooks.caseOf(WEBHOOK_SENTINEL, 'ws').run(s) as { answer: Record<string, unknown> };
  return isObj(a.answer.status) && String(a.answer.status.message).includes('webhook sentinel');
}

async function sentinelsSeen(s: SideApi): Promise<boolean> {
  const answers = await Promise.all(SENTINELS.map((c, i) => caseOf(c, `s${i}`).run(s) as Promise<Record<string, unknown>>));
  const denied = (a: Record<string, unknown>, message: string) => isObj(a.status) && String(a.status.message).includes(message);
  return denied(answers[0]!, 'sentinel') && isObj(answers[1]!.labels) && answers[1]!.labels.sentinel === 'seen' && denied(answers[2]!, 'sentinel params');
}

t.before(async () => {
  await installCrd(senders.send);
  await post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { 'adm-conf': 'yes' } } });
  for (const [i, c] of POLICY_CASES.entries()) {
    try {
      await install(c, idOf(i));
    } catch (err) {
      // kube-apiserver validates a policy before either side sees it: such a case compares nothing.
      rejected.set(c.name, (err as Error).message);
    }
  }
  await hooks.setup();
  for (const [i, c] of WEBHOOK_CASES.entries()) {
    try {
      await hooks.install(c, webhookId(i));
    } catch (err) {
      rejected.set(c.name, (err as Error).message);
    }
  }
  for (const [i, c] of SENTINELS.entries()) await install(c, `s${i}`);
  await hooks.install(WEBHOOK_SENTINEL, 'ws');
  // Both admission chains (kube-apiserver's and the helper's) watch the same configurations: wait until both apply the last.
  await eventually('both sides apply the policies and webhooks', async () => {
    const seen = { product: await sentinelsSeen(product), crd: await sentinelsSeen(crd), productWebhooks: await webhookSentinelSeen(product), crdWebhooks: await webhookSentinelSeen(crd) };
    if (Object.values(seen).every(Boolean)) return true;
    throw new Error(`not yet: ${JSON.stringify(seen)}`);
  }, 180_000);
});

t.teardown(async () => {
  for (const plural of ['validatingadmissionpolicybindings', 'validatingadmissionpolicies', 'mutatingadmissionpolicybindings', 'mutatingadmissionpolicies', 'mutatingwebhookconfigurations', 'validatingwebhookconfigurations']) {
    await senders.send({ method: 'DELETE', path: `${REG}/${plural}?labelSelector=adm-conformance%3Dyes` });
  }
  await senders.send({ method: 'DELETE', path: `/api/v1/namespaces/${NS}` });
  await senders.send({ method: 'DELETE', path: '/api/v1/namespaces/adm-conf-hooks' });
  await hooks.close();
  senders.close();
});

t.test('every policy decides on a VvpDeployment as on the CRD, or the difference is documented', async (t) => {
  for (const [name, why] of rejected) t.fail(`the policy of ${name} is not stored: ${why.slice(0, 1200)}`);
  const cases = [
    ...POLICY_CASES.flatMap((c, i) => rejected.has(c.name) ? [] : [caseOf(c, idOf(i))]),
    ...WEBHOOK_CASES.flatMap((c, i) => rejected.has(c.name) ? [] : [hooks.caseOf(c, webhookId(i))]),
  ];
  t.equal(new Set(cases.map((c) => c.name)).size, cases.length, 'case names are unique');
  const documented = documentedCases(readFileSync(resolve('docs/crd-differences.md'), 'utf8'));
  const results = await runCases(cases, { product, crd }, documented, 4);
  const count = (v: CaseResult['verdict']) => results.filter((r) => r.verdict === v).length;
  const line = `admission-conformance: ${results.length} cases, ${count('same')} same, ${count('documented')} documented, ${count('known')} known gaps, ${count('differ')} differ`;
  mkdirSync(resolve('.state'), { recursive: true });
  writeFileSync(resolve('.state/admission-conformance-summary.txt'), `${line}\n`);
  writeFileSync(resolve('.state/admission-conformance-results.json'), JSON.stringify(results, null, 1));
  t.comment(line);
  for (const r of results.filter((x) => x.verdict === 'differ')) {
    t.fail(`differs from the CRD: ${r.name}\n  product: ${JSON.stringify(r.product).slice(0, 1200)}\n  crd:     ${JSON.stringify(r.crd).slice(0, 1200)}`);
  }
  for (const r of results.filter((x) => x.verdict === 'same' && documented.has(x.name))) t.comment(`docs/crd-differences.md row ${r.name}: the case answers as the CRD now; remove the row if it stays so`);
});
