// Effects on the other controllers, through the suite's real kube-controller-manager, beside the same kind as a CRD:
// `propagationPolicy` with an owned ConfigMap (Orphan keeps it and the garbage collector strips its ownerReference;
// Foreground deletes it before the owner goes; Background after), and the namespace controller deleting a namespace
// that holds one. The product's observations must equal the CRD's, and nothing may be left on the platform.
import t from 'tap';
import { kubeSenders, makeSide, normalise, stableJson, type SideApi } from '../support/differential.js';
import { eventually } from '../support/eventually.js';
import { startProduct } from '../support/product.js';
import { CRD_GROUP, installCrd } from './cases/crd.js';
import { DOOMED_NS, JSON_CT, create, get, meta } from './cases/fixtures.js';

const NS = 'conf-cascade';
const stack = await startProduct({ name: 'cascade' });
const cp = stack.controlPlane;
const senders = kubeSenders(cp);
t.teardown(() => senders.close());
const product = makeSide({ side: 'product', group: stack.apiGroup, cp, senders });
const crd = makeSide({ side: 'crd', group: CRD_GROUP, cp, senders });

const platformStatus = async (name: string) =>
  (await fetch(`${stack.vvpUrl}/api/v1/namespaces/default/deployments/${name}`, { headers: { authorization: `Bearer ${stack.vvpToken}` } })).status;

t.before(async () => {
  await installCrd(senders.send);
  for (const ns of [NS, DOOMED_NS]) {
    await senders.send({ method: 'POST', path: '/api/v1/namespaces', headers: JSON_CT, body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }) });
  }
});

const cmPath = (name: string, ns = NS) => `/api/v1/namespaces/${ns}/configmaps/${name}`;

/** Deletes an owner with `policy` and follows both until settled: the order things went, as the client saw it. */
async function cascade(s: SideApi, policy: 'Orphan' | 'Foreground' | 'Background') {
  const name = `owner-${policy.toLowerCase()}`;
  const owner = await create(s, NS, name);
  const cm = `cm-${s.side}-${policy.toLowerCase()}`;
  const made = await senders.send({ method: 'POST', path: `/api/v1/namespaces/${NS}/configmaps`, headers: JSON_CT, body: JSON.stringify({
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: cm, ownerReferences: [{ apiVersion: s.apiVersion, kind: 'VvpDeployment', name, uid: meta(owner).uid, controller: true, blockOwnerDeletion: true }] }, data: { a: 'b' },
  }) });
  if (made.status !== 201) throw new Error(`configmap: ${made.status} ${made.body}`);
  const del = await s.send({ method: 'DELETE', path: s.item(NS, name), headers: JSON_CT, body: JSON.stringify({ propagationPolicy: policy }) });
  const answer = JSON.parse(del.body) as Record<string, unknown>;
  const seen: string[] = [];
  const note = (what: string) => { if (seen.at(-1) !== what) seen.push(what); };
  const finalizersSeen = new Set<string>();
  await eventually(`${s.side} ${policy}: owner gone and the ConfigMap settled`, async () => {
    const o = await get(s, NS, name);
    for (const f of (meta(o).finalizers as string[] | undefined) ?? []) finalizersSeen.add(f);
    const c = await senders.send({ path: cmPath(cm), headers: { accept: 'application/json' } });
    const cmState = c.status === 404 ? 'gone' : ((meta(JSON.parse(c.body)).ownerReferences as unknown[] | undefined)?.length ? 'owned' : 'orphaned');
    note(`owner ${o ? 'present' : 'gone'}, configmap ${cmState}`);
    return !o && cmState !== 'owned';
  }, 240_000);
  return {
    code: del.status, answerKind: answer.kind, answerFinalizers: meta(answer).finalizers ?? 'absent', answerDeleting: Boolean(meta(answer).deletionTimestamp),
    finalizersSeen: [...finalizersSeen].sort(), sequence: seen.filter((x, i) => i === 0 || x !== seen[i - 1]), final: seen.at(-1),
  };
}

const EXPECTED: Record<string, string> = {
  Orphan: 'owner gone, configmap orphaned',
  Foreground: 'owner gone, configmap gone',
  Background: 'owner gone, configmap gone',
};

for (const policy of ['Orphan', 'Foreground', 'Background'] as const) {
  t.test(`cascade/${policy}: the garbage collector treats the VvpDeployment's dependents as a CRD's`, async (t) => {
    const [p, c] = await Promise.all([cascade(product, policy), cascade(crd, policy)]);
    const groups = [product.group, crd.group];
    // The order seen by polling is compared by what kube promises (below), not step by step: the poll may miss a step.
    // finalizersSeen too: whether a poll catches the collector's finalizer before it is removed is timing (asserted below).
    const comparable = (o: typeof p) => ({ ...o, sequence: undefined, finalizersSeen: undefined });
    t.equal(stableJson(normalise(comparable(p), groups)), stableJson(normalise(comparable(c), groups)), `same observations as the CRD\n product: ${JSON.stringify(p)}\n crd: ${JSON.stringify(c)}`);
    t.equal(p.final, EXPECTED[policy], 'the ConfigMap ends as kube promises');
    if (policy === 'Foreground') t.notOk(p.sequence.includes('owner gone, configmap owned'), 'the owner went only after its dependent');
    if (policy !== 'Background') t.ok(p.finalizersSeen.includes(policy === 'Orphan' ? 'orphan' : 'foregroundDeletion'), 'the garbage collector\'s finalizer was set');
    await eventually('nothing left on the platform', async () => (await platformStatus(`owner-${policy.toLowerCase()}`)) === 404, 120_000);
  });
}

t.test('namespace deletion: the namespace controller deletes the VvpDeployment as it deletes a CRD\'s object', async (t) => {
  await Promise.all([create(product, DOOMED_NS, 'doomed'), create(crd, DOOMED_NS, 'doomed')]);
  const res = await senders.send({ method: 'DELETE', path: `/api/v1/namespaces/${DOOMED_NS}`, headers: JSON_CT });
  t.equal(res.status, 200);
  await eventually('the namespace is gone', async () => (await senders.send({ path: `/api/v1/namespaces/${DOOMED_NS}`, headers: { accept: 'application/json' } })).status === 404, 240_000);
  t.equal(await platformStatus('doomed'), 404, 'the platform deployment is gone too');
});
