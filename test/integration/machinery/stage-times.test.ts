// With --server-timing, an answer's Server-Timing says where its time went, the wait for seats in flow control
// included (`make bench` splits a flooded user's latency by it): a request that found its level's one seat taken
// reports how long it queued, and one that found the seat free reports next to nothing.
import t from 'tap';
import { Registry } from 'prom-client';
import { StaticSource } from '../../../apiserver/k8s/admission/index.js';
import { FlowController, FlowControlMetrics, type FlowSchema, type PriorityLevelConfiguration } from '../../../apiserver/k8s/flowcontrol/index.js';
import { parseServerTiming } from '../../../apiserver/k8s/serve/stage-times.js';
import { eventually } from '../../support/eventually.js';
import { WIDGETS, developer, startHarness, widget } from './harness.js';

// One level of one seat for the developers, one queue.
const schemas = new StaticSource<FlowSchema>([{
  metadata: { name: 'developers', uid: 'uid-developers' },
  spec: {
    matchingPrecedence: 1000, priorityLevelConfiguration: { name: 'one-seat' }, distinguisherMethod: { type: 'ByUser' },
    rules: [{ subjects: [{ kind: 'Group', group: { name: 'developers' } }], resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'], clusterScope: true }] }],
  },
}]);
const levels = new StaticSource<PriorityLevelConfiguration>([{
  metadata: { name: 'one-seat', uid: 'uid-one-seat' },
  spec: { type: 'Limited', limited: { nominalConcurrencyShares: 1, lendablePercent: 0, limitResponse: { type: 'Queue', queuing: { queues: 1, handSize: 1, queueLengthLimit: 10 } } } },
}]);
const registry = new Registry();
const metrics = new FlowControlMetrics(registry);
const controller = new FlowController(schemas, levels, 1, (level) => metrics.observer(level));
const h = await startHarness({ serverTiming: true, flowControl: { controller, metrics } });
t.teardown(() => h.close());

const queued = async () => (await registry.getSingleMetric('apiserver_flowcontrol_current_inqueue_requests')!.get()).values
  .filter((v) => v.labels.priority_level === 'one-seat').reduce((n, v) => n + v.value, 0);

t.test('a GET that waited for its level\'s seat names the wait in its Server-Timing; one that did not, next to nothing', async (t) => {
  t.equal((await h.request(developer, 'POST', WIDGETS, { body: widget('held') })).status, 201);
  t.equal((await h.request(developer, 'POST', WIDGETS, { body: widget('waiting') })).status, 201);
  const original = h.storage.get.bind(h.storage);
  let release!: () => void;
  const released = new Promise<void>((resolve) => { release = resolve; });
  let holding = false;
  h.storage.get = async (ctx, namespace, name) => {
    if (name === 'held') {
      holding = true;
      await released;
    }
    return original(ctx, namespace, name);
  };
  t.teardown(() => { h.storage.get = original; });

  const first = h.request(developer, 'GET', `${WIDGETS}/held`);
  await eventually('the first GET holds the seat', async () => holding);
  const second = h.request(developer, 'GET', `${WIDGETS}/waiting`);
  await eventually('the second GET is queued for the seat', async () => (await queued()) === 1);
  // The seat stays held a while longer: the wait reported must cover at least that stretch.
  await new Promise((resolve) => setTimeout(resolve, 100));
  release();

  const [held, waited] = await Promise.all([first, second]);
  t.equal(held.status, 200);
  t.equal(waited.status, 200);
  const heldStages = parseServerTiming(held.headers['server-timing'] as string);
  const waitedStages = parseServerTiming(waited.headers['server-timing'] as string);
  t.ok(waitedStages['flowcontrol-wait']! >= 90, `the queued GET waited about 100 ms or more: ${waited.headers['server-timing']}`);
  t.ok(waitedStages['flowcontrol-wait']! <= waitedStages.server!, 'within its time in the server');
  t.ok(heldStages['flowcontrol-wait']! < 100, `the first found the seat free: ${held.headers['server-timing']}`);
});
