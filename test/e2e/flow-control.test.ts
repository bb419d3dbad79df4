// Flow control, judged against kube-apiserver: the same request (user, groups, verb, scope) to a core resource on
// kube-apiserver and to vvpdeployments through it is classified to the same FlowSchema and PriorityLevel (kube's
// X-Kubernetes-PF-* response headers; through the aggregator a product answer carries kube's value and the server's);
// and under a flood of LISTs by one user the product refuses that user with 429 while another user's GETs in another
// flow of the same level keep being served; and a busy level borrows the seats an idle one lends, while a level that
// neither lends nor borrows keeps its own. Outcomes only, generous deadlines, no timing assertions.
import t from 'tap';
import { dealHand, hashFlowID } from '../../apiserver/k8s/flowcontrol/index.js';
import { kubectl } from '../../tools/cluster/control-plane.js';
import { eventually } from '../support/eventually.js';
import { asAdminHeaders, frontProxyCert, httpsSender, kubeAdmin, serverEndpoint, type RawAnswer } from '../support/hostile.js';
import { metricSum } from '../support/metrics.js';
import { scenario } from '../support/product.js';

// 20 seats: the test's level gets ceil(20 × 20 / (245 + 20 + 20 + 100)) = 2 of them, so a modest flood overflows it
// here while kube-apiserver (600 seats: ceil(600 × 20 / 385) = 32 for the level, with the borrowing case's levels
// present; it lends none either) admits all of a 24-request flood. It neither lends nor borrows: its 2 seats
// stay 2 whatever the other levels do.
const { cp, ns, collection, stack, platform } = await scenario('flowctl', { serverArgs: ['--flow-control-seats=20'] });
const FS = 'flowctl-e2e-users';
const LEVEL = { queues: 16, handSize: 2, queueLengthLimit: 3 };
const FLOODER = 'flowctl-flooder';
const FLOOD = 24;
// Shuffle sharding is probabilistic: the test picks a bystander whose hand of queues shares none with the flooder's.
const flooderHand = dealHand(hashFlowID(FS, FLOODER), LEVEL.queues, LEVEL.handSize);
const BORROWER = 'flowctl-borrower';
const BYSTANDER = Array.from({ length: 50 }, (_, i) => `flowctl-bystander-${i}`)
  .find((u) => !dealHand(hashFlowID(FS, u), LEVEL.queues, LEVEL.handSize).some((q) => flooderHand.includes(q)))!;

const objects = [
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'PriorityLevelConfiguration', metadata: { name: 'flowctl-e2e' },
    spec: { type: 'Limited', limited: { nominalConcurrencyShares: 20, lendablePercent: 0, borrowingLimitPercent: 0, limitResponse: { type: 'Queue', queuing: LEVEL } } } },
  // Borrowing: a level of 2 nominal seats that may borrow 200 % more (6 in all), and a level of 6 that lends them all.
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'PriorityLevelConfiguration', metadata: { name: 'flowctl-borrower' },
    spec: { type: 'Limited', limited: { nominalConcurrencyShares: 20, lendablePercent: 0, borrowingLimitPercent: 200,
      limitResponse: { type: 'Queue', queuing: { queues: 1, handSize: 1, queueLengthLimit: 50 } } } } },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'PriorityLevelConfiguration', metadata: { name: 'flowctl-lender' },
    spec: { type: 'Limited', limited: { nominalConcurrencyShares: 100, lendablePercent: 100, limitResponse: { type: 'Reject' } } } },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'FlowSchema', metadata: { name: 'flowctl-e2e-borrower' },
    spec: { priorityLevelConfiguration: { name: 'flowctl-borrower' }, matchingPrecedence: 500, distinguisherMethod: { type: 'ByUser' },
      rules: [{ subjects: [{ kind: 'User', user: { name: BORROWER } }],
        resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'], clusterScope: true }] }] } },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'FlowSchema', metadata: { name: FS },
    spec: { priorityLevelConfiguration: { name: 'flowctl-e2e' }, matchingPrecedence: 500, distinguisherMethod: { type: 'ByUser' },
      rules: [{ subjects: [{ kind: 'User', user: { name: FLOODER } }, { kind: 'User', user: { name: BYSTANDER } }],
        resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'], clusterScope: true }] }] } },
  // Precedence over the users' schema, but only gets of the team group, namespaced: lists fall through.
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'FlowSchema', metadata: { name: 'flowctl-e2e-team-gets' },
    spec: { priorityLevelConfiguration: { name: 'workload-low' }, matchingPrecedence: 400, distinguisherMethod: { type: 'ByNamespace' },
      rules: [{ subjects: [{ kind: 'Group', group: { name: 'flowctl-team' } }],
        resourceRules: [{ verbs: ['get'], apiGroups: ['*'], resources: ['*'], namespaces: [ns] }] }] } },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'flowctl-e2e' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [FLOODER, BYSTANDER, BORROWER, 'flowctl-carol', 'system:serviceaccount:flowctl:robot'].map((name) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name }))
      .concat([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'flowctl-team' }]) },
];

const kube = kubeAdmin(cp, 64);
t.teardown(async () => {
  kube.close();
  await kubectl(cp, ['delete', '--ignore-not-found', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }) });
});

t.before(async () => {
  const applied = await kubectl(cp, ['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }) });
  if (applied.code !== 0) throw new Error(applied.stderr);
});

const as = (user: string, groups: string[] = []) => ({
  'Impersonate-User': user, ...(groups.length ? { 'Impersonate-Group': groups.join(',') } : {}),
});
const values = (res: RawAnswer, name: string) => String(res.headers[name.toLowerCase()] ?? '').split(',').map((v) => v.trim()).filter(Boolean);

interface Case { name: string; user: string; groups?: string[]; core: string; product: string }
const cases: Case[] = [
  { name: 'the flooder lists (its own schema, by user)', user: FLOODER, core: `/api/v1/namespaces/${ns}/configmaps`, product: collection },
  { name: 'the flooder gets one object', user: FLOODER, core: `/api/v1/namespaces/${ns}/configmaps/none`, product: `${collection}/none` },
  { name: 'the flooder lists across namespaces (cluster scope)', user: FLOODER, core: '/api/v1/configmaps', product: `/apis/${stack.apiGroup}/v1/vvpdeployments` },
  { name: 'the flooder watches', user: FLOODER, core: `/api/v1/namespaces/${ns}/configmaps?watch=1&timeoutSeconds=1`, product: `${collection}?watch=1&timeoutSeconds=1` },
  { name: 'a team member gets (the group schema of lower precedence number wins)', user: 'flowctl-carol', groups: ['flowctl-team'], core: `/api/v1/namespaces/${ns}/configmaps/none`, product: `${collection}/none` },
  { name: 'a team member lists (not a get: global-default)', user: 'flowctl-carol', groups: ['flowctl-team'], core: `/api/v1/namespaces/${ns}/configmaps`, product: collection },
  { name: 'a team member gets in another namespace (the rule names one)', user: 'flowctl-carol', groups: ['flowctl-team'], core: '/api/v1/namespaces/default/configmaps/none', product: `/apis/${stack.apiGroup}/v1/namespaces/default/vvpdeployments/none` },
  { name: 'a service account lists (service-accounts)', user: 'system:serviceaccount:flowctl:robot', groups: ['system:serviceaccounts', 'system:serviceaccounts:flowctl'], core: `/api/v1/namespaces/${ns}/configmaps`, product: collection },
  { name: 'the admin (exempt)', user: 'flowctl-admin', groups: ['system:masters'], core: `/api/v1/namespaces/${ns}/configmaps`, product: collection },
];

t.test('each request is classified to the FlowSchema and PriorityLevel kube-apiserver chose for the same request to a core resource', async (t) => {
  // Both servers read the new schemas from their informers: wait until kube-apiserver and the product agree on the first case.
  await eventually('both servers apply the test\'s FlowSchemas', async () => {
    const [core, product] = await Promise.all([kube.send({ path: cases[0]!.core, headers: as(FLOODER) }), kube.send({ path: cases[0]!.product, headers: as(FLOODER) })]);
    const fs = values(core, 'X-Kubernetes-PF-FlowSchema-UID');
    const prod = values(product, 'X-Kubernetes-PF-FlowSchema-UID');
    return fs.length === 1 && prod.length === 2 && prod.every((v) => v === fs[0]) && core.status === 200;
  }, 120_000);
  for (const c of cases) {
    const headers = as(c.user, c.groups);
    const core = await kube.send({ path: c.core, headers });
    const product = await kube.send({ path: c.product, headers });
    for (const header of ['X-Kubernetes-PF-FlowSchema-UID', 'X-Kubernetes-PF-PriorityLevel-UID']) {
      const expected = values(core, header);
      t.equal(expected.length, 1, `${c.name}: kube-apiserver names one (${header})`);
      t.same(values(product, header), [expected[0], expected[0]], `${c.name}: kube-apiserver and the product chose the same (${header}); status ${core.status}/${product.status}`);
    }
  }
});

t.test('a non-resource URL (/openapi/v2) is classified as kube-apiserver classifies it', async (t) => {
  const proxy = httpsSender(serverEndpoint(stack, await frontProxyCert(cp)));
  t.teardown(proxy.close);
  // One group each: the front proxy sends one X-Remote-Group header per group (the server adds system:authenticated).
  for (const [user, group] of [['flowctl-carol', 'flowctl-team'], ['flowctl-admin', 'system:masters']] as const) {
    const core = await kube.send({ path: '/openapi/v2', headers: as(user, [group]) });
    const product = await proxy.send({ path: '/openapi/v2', headers: { 'X-Remote-User': user, 'X-Remote-Group': group } });
    for (const header of ['X-Kubernetes-PF-FlowSchema-UID', 'X-Kubernetes-PF-PriorityLevel-UID']) {
      t.same(values(product, header), values(core, header), `${user}: ${header} (status ${core.status}/${product.status})`);
    }
  }
});

t.test('a flood of LISTs by one user is refused with 429 while another user\'s GETs in the same level are served', async (t) => {
  // A platform listing that takes 3 s (as a large one does) keeps each admitted LIST in its seat: the flood overflows
  // the level's 2 seats and 6 queue places however slowly a loaded machine sends its 24 requests — fewer than
  // kube-apiserver's 32 seats for the level, so the refusals are the product's, not kube-apiserver's plain-text ones.
  await platform('POST', '/__emulator/faults', { method: 'GET', route: '/api/v1/namespaces/:namespace/deployments', latencyMs: 3000 });
  t.teardown(() => platform('DELETE', '/__emulator/faults'));
  const flood = Array.from({ length: FLOOD }, () => kube.send({ path: collection, headers: as(FLOODER) }));
  const bystander: number[] = [];
  const floodDone = Promise.all(flood);
  let floodOver = false;
  void floodDone.then(() => { floodOver = true; });
  while (!floodOver || bystander.length < 10) {
    bystander.push((await kube.send({ path: `${collection}/none`, headers: as(BYSTANDER) })).status);
    if (bystander.length >= 200) break;
  }
  const answers = await floodDone;
  const codes = answers.reduce<Record<number, number>>((acc, a) => ({ ...acc, [a.status]: (acc[a.status] ?? 0) + 1 }), {});
  const refused = answers.filter((a) => a.status === 429);
  t.ok(refused.length > 0, `the flooder was refused: ${JSON.stringify(codes)} of ${FLOOD}`);
  t.ok(answers.every((a) => a.status === 200 || a.status === 429), 'nothing but 200 and 429: no 5xx');
  for (const r of refused.slice(0, 3)) {
    t.match(JSON.parse(r.body), { kind: 'Status', code: 429, reason: 'TooManyRequests', message: 'Too many requests, please try again later.' }, 'the product\'s Status in kube\'s words');
    t.ok(Number(r.headers['retry-after']) >= 1, 'with Retry-After');
  }
  t.same([...new Set(bystander)], [404], `the bystander's ${bystander.length} GETs were all served (404: no such object), none refused`);
  t.comment(`flood: ${JSON.stringify(codes)}; bystander: ${bystander.length} GETs served`);
});

t.test('a busy level borrows the seats an idle level lends; a level with lendablePercent 0 and borrowingLimitPercent 0 neither lends nor borrows', async (t) => {
  // Each LIST holds its seat 3 s (a large platform listing): 12 clients keep the borrower's level, and 12 the
  // flooder's, wanting more seats than their nominal 2 across kube's 10 s borrowing periods.
  await platform('POST', '/__emulator/faults', { method: 'GET', route: '/api/v1/namespaces/:namespace/deployments', latencyMs: 3000 });
  t.teardown(() => platform('DELETE', '/__emulator/faults'));
  const proxy = httpsSender(serverEndpoint(stack, await frontProxyCert(cp)), 2);
  t.teardown(proxy.close);
  const metrics = async () => (await proxy.send({ path: '/metrics', headers: asAdminHeaders })).body;
  const seats = (text: string, name: string, level: string) => metricSum(text, `apiserver_flowcontrol_${name}`, { priority_level: level });
  const limits = (text: string, level: string) => ({ nominal: seats(text, 'nominal_limit_seats', level), lower: seats(text, 'lower_limit_seats', level), upper: seats(text, 'upper_limit_seats', level) });

  const configured = await eventually('the server has the test\'s priority levels', async () => {
    const text = await metrics();
    return seats(text, 'nominal_limit_seats', 'flowctl-lender') !== undefined && text;
  }, 120_000);
  const fixed = limits(configured, 'flowctl-e2e');
  const borrower = limits(configured, 'flowctl-borrower');
  const lender = limits(configured, 'flowctl-lender');
  t.same(fixed, { nominal: 2, lower: 2, upper: 2 }, 'the level that neither lends nor borrows: 2 seats, bounds 2 and 2');
  t.same(borrower, { nominal: 2, lower: 2, upper: 6 }, 'the borrower: 2 seats, may borrow 200 % more');
  t.same(lender, { nominal: 6, lower: 0, upper: 6 + 20 }, 'the lender: 6 seats, may lend all of them (no borrowing limit: all 20 on top)');

  let stop = false;
  const codes: Record<number, number> = {};
  const client = async (user: string) => {
    while (!stop) {
      const answer = await kube.send({ path: collection, headers: as(user) });
      codes[answer.status] = (codes[answer.status] ?? 0) + 1;
      // A client that honours Retry-After (up to 5 s), as client-go does.
      if (answer.status === 429) await new Promise((r) => setTimeout(r, 1000 * Math.min(5, Number(answer.headers['retry-after'] ?? 1))));
    }
  };
  const clients = [...Array.from({ length: 12 }, () => client(BORROWER)), ...Array.from({ length: 12 }, () => client(FLOODER))];
  const fixedSamples: { current?: number; executing?: number }[] = [];
  let seen: { current: number; executing: number; lenderCurrent: number; fixedDemand: number };
  try {
    seen = await eventually('the busy level runs more requests than its nominal seats on seats the idle level lent', async () => {
      const text = await metrics();
      const fixedCurrent = seats(text, 'current_limit_seats', 'flowctl-e2e');
      fixedSamples.push({ current: fixedCurrent, executing: seats(text, 'current_executing_seats', 'flowctl-e2e') });
      const current = seats(text, 'current_limit_seats', 'flowctl-borrower') ?? 0;
      const executing = seats(text, 'current_executing_seats', 'flowctl-borrower') ?? 0;
      const lenderCurrent = seats(text, 'current_limit_seats', 'flowctl-lender') ?? Infinity;
      const fixedDemand = seats(text, 'demand_seats_high_watermark', 'flowctl-e2e') ?? 0;
      // Its upper bound, 6, takes demand: with none, the fair division gives it less (what lenders lend, shared by nominal).
      return current >= 6 && executing > 2 && lenderCurrent < 6 && fixedDemand > 2 && { current, executing, lenderCurrent, fixedDemand };
    }, 240_000);
  } finally {
    stop = true;
    await Promise.all(clients);
  }
  t.ok(seen.current > 2 && seen.executing > 2, `the busy borrower's limit rose to ${seen.current}, its upper bound, and ${seen.executing} seats ran at once, beyond its nominal 2`);
  t.ok(seen.lenderCurrent < 6, `meanwhile the idle lender's limit was ${seen.lenderCurrent}, below its nominal 6: it lent`);
  t.ok(seen.fixedDemand > 2, `the fixed level wanted ${seen.fixedDemand} seats in a borrowing period`);
  t.same([...new Set(fixedSamples.map((s) => s.current))], [2], `yet its limit stayed 2 in all ${fixedSamples.length} samples`);
  t.ok(fixedSamples.every((s) => (s.executing ?? 0) <= 2), `and it never ran more than 2 seats at once (at most ${Math.max(...fixedSamples.map((s) => s.executing ?? 0))})`);
  t.ok(Object.keys(codes).every((c) => c === '200' || c === '429'), `nothing but 200 and 429: ${JSON.stringify(codes)}`);
});
