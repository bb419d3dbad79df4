// ResourceQuota on VvpDeployments as kube-apiserver enforces it on a CRD: a namespace's object-count quota
// (`count/vvpdeployments.<group>`) admits creates until it is used up, then refuses with kube's Status, and nothing
// reaches the platform for a refused create. The decision is kube's own ResourceQuota plugin (in the kube-admission
// helper), the usage kube-controller-manager's quota controller computes; the oracle is the same kind served as a CRD by
// the same kube-apiserver, with the same quota.
import t from 'tap';
import { installCrd, CRD_GROUP } from '../conformance/cases/crd.js';
import { JSON_CT, manifest } from '../conformance/cases/fixtures.js';
import { isObj, kubeSenders, makeSide, parseBody, type SideApi } from '../support/differential.js';
import { eventually } from '../support/eventually.js';
import { platformApi, startProduct } from '../support/product.js';

const stack = await startProduct({ name: 'resource-quota' });
const cp = stack.controlPlane;
const senders = kubeSenders(cp);
t.teardown(() => senders.close());
const platform = platformApi(stack);
const writes = async () => (await platform<{ writes: number }>('GET', '/__emulator/requests')).body.writes;

const product = makeSide({ side: 'product', group: stack.apiGroup, cp, senders });
const crd = makeSide({ side: 'crd', group: CRD_GROUP, cp, senders });
const nsOf = (s: SideApi, what: string) => `quota-${what}-${s.side}`;
const countKey = (s: SideApi) => `count/vvpdeployments.${s.group}`;

async function namespaceWithQuota(s: SideApi, what: string, hard: number): Promise<string> {
  const ns = nsOf(s, what);
  await senders.send({ method: 'POST', path: '/api/v1/namespaces', headers: JSON_CT, body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }) });
  const quota = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'vvp-count', namespace: ns }, spec: { hard: { [countKey(s)]: String(hard) } } };
  const made = await senders.send({ method: 'POST', path: `/api/v1/namespaces/${ns}/resourcequotas`, headers: JSON_CT, body: JSON.stringify(quota) });
  if (made.status !== 201) throw new Error(`quota in ${ns}: ${made.status} ${made.body}`);
  // kube-controller-manager computes the usage first (until then kube refuses every create: "status unknown for quota").
  await eventually(`the quota controller counts ${countKey(s)} in ${ns}`, async () => {
    const res = await senders.send({ path: `/api/v1/namespaces/${ns}/resourcequotas/vvp-count`, headers: { accept: 'application/json' } });
    const body = parseBody(res.body);
    return isObj(body) && isObj(body.status) && isObj(body.status.used) && body.status.used[countKey(s)] === '0';
  }, 180_000);
  return ns;
}

const createIn = (s: SideApi, ns: string, name: string) =>
  s.send({ method: 'POST', path: s.collection(ns), headers: JSON_CT, body: JSON.stringify(manifest(s, ns, name)) });

/** kube's answer with the side's group and namespace set aside. */
function refusal(s: SideApi, ns: string, res: { status: number; body: string }) {
  const body = parseBody(res.body);
  const text = JSON.stringify(isObj(body) ? { code: res.status, reason: body.reason, message: body.message, details: body.details } : { code: res.status, body })
    .split(s.group).join('<group>').split(ns).join('<ns>');
  return JSON.parse(text) as Record<string, unknown>;
}

t.before(async () => {
  await installCrd(senders.send);
});

t.test('a quota of 2 admits two creates and refuses the third in kube\'s words, as for the CRD; the platform sees no write', async (t) => {
  const seen: Record<string, unknown> = {};
  for (const s of [product, crd]) {
    const ns = await namespaceWithQuota(s, 'two', 2);
    t.equal((await createIn(s, ns, 'first')).status, 201, `${s.side}: the first create is admitted`);
    t.equal((await createIn(s, ns, 'second')).status, 201, `${s.side}: the second create is admitted`);
    const before = s.side === 'product' ? await writes() : 0;
    const third = await createIn(s, ns, 'third');
    t.equal(third.status, 403, `${s.side}: the third create is refused`);
    if (s.side === 'product') t.equal(await writes(), before, 'the platform saw no write for the refused create');
    seen[s.side] = refusal(s, ns, third);
  }
  t.same(seen.product, seen.crd, 'the refusal is the CRD\'s: code, reason, message and details');
  t.match(seen.product, { reason: 'Forbidden', message: /exceeded quota: vvp-count, requested: count\/vvpdeployments.<group>=1, used: count\/vvpdeployments.<group>=2, limited: count\/vvpdeployments.<group>=2/ });
});

t.test('concurrent creates never overshoot the quota (kube\'s optimistic update of the quota\'s usage)', async (t) => {
  const ns = await namespaceWithQuota(product, 'burst', 3);
  const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => createIn(product, ns, `burst-${i}`)));
  const admitted = answers.filter((a) => a.status === 201).length;
  t.ok(admitted <= 3, `at most 3 of 8 concurrent creates are admitted (${admitted})`);
  for (const a of answers.filter((x) => x.status !== 201)) {
    t.equal(a.status, 403, 'the others are refused by the quota');
    t.match(refusal(product, ns, a), { message: /exceeded quota: vvp-count/ });
  }
  const list = await senders.send({ path: product.collection(ns), headers: { accept: 'application/json' } });
  const items = (parseBody(list.body) as { items: unknown[] }).items;
  t.equal(items.length, admitted, 'exactly the admitted objects exist');
});
