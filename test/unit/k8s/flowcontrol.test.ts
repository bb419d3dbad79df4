import t from 'tap';
import { StaticSource } from '../../../apiserver/k8s/admission/index.js';
import {
  FlowController, type FlowSchema, type ListedObjects, ObjectStats, type PriorityLevelConfiguration, type RequestDigest, dealHand, hashFlowID, orderedFlowSchemas, planLevels, selectFlowSchema,
} from '../../../apiserver/k8s/flowcontrol/index.js';
import { QueueSet, type Ticket } from '../../../apiserver/k8s/flowcontrol/queueset.js';
import { DroppedRequestsTracker } from '../../../apiserver/k8s/flowcontrol/retry-after.js';
import { requestInfo } from '../../../apiserver/k8s/serve/requestinfo.js';

const digest = (name: string, groups: string[], method: string, url: string): RequestDigest => ({
  user: { name, groups: [...groups, 'system:authenticated'] }, info: requestInfo(method, url),
});
const schema = (name: string, precedence: number, level: string, rules: NonNullable<FlowSchema['spec']>['rules'], by?: 'ByUser' | 'ByNamespace'): FlowSchema => ({
  metadata: { name, uid: `uid-${name}` },
  spec: { priorityLevelConfiguration: { name: level }, matchingPrecedence: precedence, rules, ...(by ? { distinguisherMethod: { type: by } } : {}) },
});
const limited = (name: string, shares: number, queuing?: { queues: number; handSize: number; queueLengthLimit: number }): PriorityLevelConfiguration => ({
  metadata: { name, uid: `uid-${name}` },
  spec: { type: 'Limited', limited: { nominalConcurrencyShares: shares, limitResponse: queuing ? { type: 'Queue', queuing } : { type: 'Reject' } } },
});

t.test('flows hash and deal hands exactly as k8s.io/apiserver v0.37.2 does (vectors printed by its own code)', async (t) => {
  const vectors = [
    { fs: 'global-default', flow: 'alice', hash: 17644606172554983095n, hand128x6: [55, 62, 126, 125, 105, 1], hand16x2: [7, 14] },
    { fs: 'global-default', flow: 'bob', hash: 7836649528101815225n, hand128x6: [57, 101, 58, 46, 116, 53], hand16x2: [9, 12] },
    { fs: 'service-accounts', flow: 'system:serviceaccount:ns:sa', hash: 6697764015710301927n, hand128x6: [103, 21, 41, 68, 27, 54], hand16x2: [7, 5] },
    { fs: 'catch-all', flow: '', hash: 7733929212674924205n, hand128x6: [45, 47, 41, 49, 38, 80], hand16x2: [13, 2] },
  ];
  for (const v of vectors) {
    t.equal(hashFlowID(v.fs, v.flow), v.hash, `hash of ${v.fs}/${v.flow}`);
    t.same(dealHand(v.hash, 128, 6), v.hand128x6);
    t.same(dealHand(v.hash, 16, 2), v.hand16x2);
  }
});

t.test('a request matches the first schema by matchingPrecedence, then name; subjects, verbs, resources, scope and URLs as rule.go', async (t) => {
  const ns = ['*'];
  const schemas = [
    schema('b-users', 500, 'low', [{ subjects: [{ kind: 'User', user: { name: 'alice' } }], resourceRules: [{ verbs: ['get'], apiGroups: ['*'], resources: ['*'], namespaces: ns }] }]),
    schema('a-users', 500, 'high', [{ subjects: [{ kind: 'User', user: { name: 'alice' } }], resourceRules: [{ verbs: ['get'], apiGroups: ['*'], resources: ['*'], namespaces: ns }] }]),
    schema('status-only', 100, 'high', [{ subjects: [{ kind: 'Group', group: { name: 'ops' } }], resourceRules: [{ verbs: ['*'], apiGroups: ['g'], resources: ['things/status'], namespaces: ['prod'] }] }]),
    schema('sa-of-ns', 200, 'high', [{ subjects: [{ kind: 'ServiceAccount', serviceAccount: { namespace: 'team', name: '*' } }], resourceRules: [{ verbs: ['list'], apiGroups: ['g'], resources: ['things'], clusterScope: true }] }]),
    schema('urls', 300, 'high', [{ subjects: [{ kind: 'Group', group: { name: '*' } }], nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/openapi/*', '/healthz'] }] }]),
    schema('dangling', 1, 'no-such-level', [{ subjects: [{ kind: 'Group', group: { name: '*' } }], resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ns, clusterScope: true }] }]),
  ];
  const ordered = orderedFlowSchemas(schemas, (l) => l !== 'no-such-level');
  t.same(ordered.map((s) => s.metadata?.name), ['exempt', 'status-only', 'sa-of-ns', 'urls', 'a-users', 'b-users', 'catch-all'], 'mandatory schemas supplied; a dangling one left out');
  const pick = (d: RequestDigest) => selectFlowSchema(ordered, d).metadata?.name;
  t.equal(pick(digest('alice', [], 'GET', '/apis/g/v1/namespaces/x/things/a')), 'a-users', 'equal precedence: name order');
  t.equal(pick(digest('alice', [], 'GET', '/apis/g/v1/namespaces/x/things')), 'catch-all', 'a list is not a get');
  t.equal(pick(digest('root', ['system:masters'], 'DELETE', '/apis/g/v1/namespaces/x/things/a')), 'exempt');
  t.equal(pick(digest('bo', ['ops'], 'PUT', '/apis/g/v1/namespaces/prod/things/a/status')), 'status-only', 'resource/subresource');
  t.equal(pick(digest('bo', ['ops'], 'PUT', '/apis/g/v1/namespaces/dev/things/a/status')), 'catch-all', 'other namespace');
  t.equal(pick(digest('bo', ['ops'], 'PUT', '/apis/g/v1/namespaces/prod/things/a')), 'catch-all', 'not the subresource');
  t.equal(pick(digest('system:serviceaccount:team:robot', [], 'GET', '/apis/g/v1/things')), 'sa-of-ns', 'cluster scope, any SA of the namespace');
  t.equal(pick(digest('system:serviceaccount:teamx:robot', [], 'GET', '/apis/g/v1/things')), 'catch-all', 'a namespace prefix is not the namespace');
  t.equal(pick(digest('system:serviceaccount:team:robot', [], 'GET', '/apis/g/v1/namespaces/a/things')), 'catch-all', 'namespaced, rule has none');
  t.equal(pick(digest('x', [], 'GET', '/openapi/v2')), 'urls');
  t.equal(pick(digest('x', [], 'GET', '/healthz/etcd')), 'urls', 'a URL rule matches its subpaths, as upstream');
  t.equal(pick(digest('x', [], 'GET', '/healthzz')), 'catch-all');
});

t.test('seats are shared out by nominalConcurrencyShares, exempt counted, as apf_controller.go', async (t) => {
  const plans = planLevels([
    { metadata: { name: 'exempt', uid: 'e' }, spec: { type: 'Exempt', exempt: { nominalConcurrencyShares: 0 } } },
    limited('global-default', 20, { queues: 128, handSize: 6, queueLengthLimit: 50 }),
    limited('workload-low', 100, { queues: 128, handSize: 6, queueLengthLimit: 50 }),
    limited('catch-all', 5),
    { metadata: { name: 'broken' }, spec: { type: 'Limited' } },
  ], 250);
  t.same([...plans.keys()].sort(), ['catch-all', 'exempt', 'global-default', 'workload-low'], 'a broken level is left out');
  t.equal(plans.get('global-default')!.queuing.concurrencyLimit, 40, 'ceil(250 × 20 / 125)');
  t.equal(plans.get('workload-low')!.queuing.concurrencyLimit, 200);
  t.equal(plans.get('catch-all')!.queuing.concurrencyLimit, 10);
  t.equal(plans.get('global-default')!.maxSeats, 40, 'a request may take all of its level\'s nominal seats (kube: min(ceil(0.15 × 40), 40 / 6) = 6)');
  t.ok(plans.get('exempt')!.exempt);
});

const tick = () => new Promise((r) => setImmediate(r));

t.test('one flow flooding a level fills only its own queues; another flow is served ahead of most of its backlog', async (t) => {
  let clock = 0;
  const qs = new QueueSet({ queues: 16, handSize: 2, queueLengthLimit: 3, concurrencyLimit: 1 }, {}, () => clock);
  const flood = hashFlowID('fs', 'flooder');
  const other = hashFlowID('fs', 'bystander');
  t.equal(dealHand(flood, 16, 2).filter((q) => dealHand(other, 16, 2).includes(q)).length, 0, 'their hands do not overlap');
  const order: string[] = [];
  const granted: Ticket[] = [];
  const ask = (who: string, hash: bigint) => qs.start(1, hash, 'fs', 60_000).then((v) => {
    if (typeof v === 'object') { order.push(who); granted.push(v); }
    return v;
  });
  t.type(await ask('flooder', flood), 'object', 'the first request runs at once');
  for (let i = 0; i < 6; i++) void ask('flooder', flood);
  t.equal(await qs.start(1, flood, 'fs', 60_000), 'queue-full', 'its two queues of three are full: the flooder\'s next request is refused');
  void ask('bystander', other);
  await tick();
  t.equal(order.length, 1, 'all seats are taken');
  for (let served = 0; served < granted.length; served++) {
    clock += 0.05; // each request takes 50 ms, more than kube's 3 ms first estimate
    granted[served]!.finish();
    await tick();
  }
  t.equal(order.length, 8, 'everyone admitted was served');
  t.equal(order.indexOf('bystander'), 1, 'the bystander, last to arrive, got the first seat freed, ahead of the six flooder requests waiting before it');
  t.ok(qs.idle);
});

t.test('a waiting request leaves its queue when its wait limit passes or its client goes away', async (t) => {
  const qs = new QueueSet({ queues: 4, handSize: 1, queueLengthLimit: 5, concurrencyLimit: 1 });
  const running = await qs.start(1, 1n, 'fs', 60_000) as Ticket;
  t.equal(await qs.start(1, 1n, 'fs', 20), 'time-out');
  const gone = new AbortController();
  const cancelled = qs.start(1, 1n, 'fs', 60_000, gone.signal);
  gone.abort();
  t.equal(await cancelled, 'cancelled');
  t.equal(qs.waiting, 0);
  running.finish();
  t.ok(qs.idle);
});

t.test('a Reject level runs what fits and refuses the rest at once; an exempt level runs everything', async (t) => {
  const reject = new QueueSet({ queues: 0, handSize: 0, queueLengthLimit: 0, concurrencyLimit: 2 });
  const a = await reject.start(1, 0n, 'fs', 1000) as Ticket;
  t.type(await reject.start(1, 0n, 'fs', 1000), 'object');
  t.equal(await reject.start(1, 0n, 'fs', 1000), 'concurrency-limit');
  a.finish();
  t.type(await reject.start(1, 0n, 'fs', 1000), 'object');
  const exempt = new QueueSet({ queues: -1, handSize: 0, queueLengthLimit: 0, concurrencyLimit: 0 });
  for (let i = 0; i < 50; i++) t.type(await exempt.start(1, 0n, 'fs', 1000), 'object');
});

t.test('the controller classifies with the cluster objects, headers carry their uids, and a LIST takes seats by the bytes it reads', async (t) => {
  const schemas = new StaticSource<FlowSchema>([
    schema('global-default', 9900, 'global-default', [{ subjects: [{ kind: 'Group', group: { name: 'system:authenticated' } }], resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'], clusterScope: true }], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }] }], 'ByUser'),
  ]);
  const levels = new StaticSource<PriorityLevelConfiguration>([limited('global-default', 20, { queues: 128, handSize: 6, queueLengthLimit: 50 })]);
  const controller = new FlowController(schemas, levels, 250);
  const seatsOf = (url: string) => {
    const d = digest('alice', [], 'GET', url);
    return controller.classify(d, { ...d.info, name: requestInfo('GET', url).name, query: Object.fromEntries(new URL(url, 'https://x').searchParams) }).seats;
  };
  // global-default: 200 nominal seats of 250; a request takes at most all 200 of them (kube: min(⌈15% of 200⌉, 200 ÷ 6)
  // = 30) and at most 100, kube's cap for a LIST.
  const list = controller.classify(digest('alice', [], 'GET', '/apis/g/v1/namespaces/a/things'));
  t.match(list, { flowSchemaUid: 'uid-global-default', priorityLevelUid: 'uid-global-default', distinguisher: 'alice', exempt: false, seats: 100 }, 'nothing listed yet: the maximum');
  t.equal(seatsOf('/apis/g/v1/namespaces/a/things/x'), 1, 'a GET');
  t.equal(seatsOf('/apis/g/v1/namespaces/a/things?watch=true'), 10, 'a legacy watch: at most 1 MB from the cache while nothing is known');
  controller.objectStats.record({ groupResource: 'things.g', allNamespaces: true, selected: false, firstPage: true, items: 500, remaining: 500, continues: true, sampleBytes: 8 * 3000, sampleCount: 8 });
  t.same(controller.objectStats.get('things.g'), { objectCount: 1000, averageBytes: 3000 });
  t.equal(seatsOf('/apis/g/v1/namespaces/a/things'), 30, '1,000 objects of 3 KB: 30 seats');
  t.equal(seatsOf('/apis/g/v1/namespaces/a/things?limit=100'), 3, 'a page of 100');
  t.equal(seatsOf('/apis/g/v1/namespaces/a/things?labelSelector=team%3Da&limit=100'), 15, 'a selector reads half of them');
  t.equal(seatsOf('/apis/g/v1/namespaces/a/things?fieldSelector=metadata.name%3Dx'), 1, 'a list of one name');
  t.equal(seatsOf('/apis/g/v1/namespaces/a/things?watch=true&resourceVersion=12'), 1, 'a watch from a resourceVersion sends no initial events');
  t.equal(seatsOf('/apis/g/v1/namespaces/a/things?watch=true'), 10, 'a legacy watch: 1 MB from the cache');
  const admin = controller.classify(digest('root', ['system:masters'], 'GET', '/apis/g/v1/things'));
  t.match(admin, { flowSchema: 'exempt', flowSchemaUid: '', exempt: true }, 'the mandatory exempt schema, imagined: no uid');
  levels.set([]);
  t.equal(controller.classify(digest('alice', [], 'GET', '/apis/g/v1/things')).flowSchema, 'catch-all', 'a schema whose level went away stops matching');
});

t.test('object stats: a whole unselected list sets the count, other unselected first pages only raise it, selected ones keep it', async (t) => {
  const stats = new ObjectStats();
  const listed = (over: Partial<ListedObjects>): ListedObjects => ({ groupResource: 'things.g', allNamespaces: true, selected: false, firstPage: true, items: 0, continues: false, sampleBytes: 0, sampleCount: 0, ...over });
  stats.record(listed({ allNamespaces: false, items: 40, sampleBytes: 2000, sampleCount: 2 }));
  t.same(stats.get('things.g'), { objectCount: 40, averageBytes: 1000 }, 'a namespaced list: a lower bound');
  stats.record(listed({ allNamespaces: false, items: 10, sampleBytes: 1000, sampleCount: 1 }));
  t.same(stats.get('things.g'), { objectCount: 40, averageBytes: 1000 }, 'a smaller namespace lowers nothing');
  stats.record(listed({ items: 500, remaining: 1500, continues: true, sampleBytes: 4000, sampleCount: 2 }));
  t.same(stats.get('things.g'), { objectCount: 2000, averageBytes: 2000 }, 'all namespaces, first page, remainingItemCount: the count');
  stats.record(listed({ items: 30 }));
  t.same(stats.get('things.g'), { objectCount: 30, averageBytes: 2000 }, 'a whole list of fewer: the count falls');
  stats.record(listed({ items: 5, selected: true, sampleBytes: 500, sampleCount: 5 }));
  t.same(stats.get('things.g'), { objectCount: 30, averageBytes: 100 }, 'a selected list: its items\' size, not a count');
  stats.record(listed({ items: 500, firstPage: false }));
  t.same(stats.get('things.g'), { objectCount: 30, averageBytes: 100 }, 'a later page: nothing');
  stats.record(listed({ items: 500, continues: true }));
  t.same(stats.get('things.g'), { objectCount: 500, averageBytes: 100 }, 'a first page without remainingItemCount: a lower bound');
  t.equal(stats.get('other.g'), undefined);
});

t.test('Retry-After grows while a level keeps dropping and shrinks when it stops, as dropped_requests_tracker.go', async (t) => {
  let now = 1000;
  const tracker = new DroppedRequestsTracker(() => now);
  t.equal(tracker.retryAfterSeconds('l'), 1);
  for (; now < 1010; now++) for (let i = 0; i < 10; i++) tracker.recordDropped('l');
  t.ok(tracker.retryAfterSeconds('l') > 1, `grown to ${tracker.retryAfterSeconds('l')}`);
  t.ok(tracker.retryAfterSeconds('l') <= 32);
  const grown = tracker.retryAfterSeconds('l');
  now += 100;
  tracker.recordDropped('l');
  t.ok(tracker.retryAfterSeconds('l') < grown, 'shrinks after a quiet spell');
});
