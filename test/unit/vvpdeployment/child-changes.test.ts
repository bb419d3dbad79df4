// Issue 27: on a real platform a deployment's job, savepoints and Autopilot move on without the deployment being
// written: the job starts seconds after the deployment reports RUNNING, a savepoint completes. And its timestamps need
// not be newer than the deployment's (another component's clock, or a listing read beside the deployments that saw
// the job first). The object is a function of all of them: such a change shows in a watch, a list and a GET.

import t, { type Test } from 'tap';
import type { RequestContext, WatchEvent, WatchStream } from '../../../apiserver/k8s/storage.js';
import { fullObject } from '../../../apiserver/k8s/serve/serialized.js';
import { VvpDeploymentStorage } from '../../../apiserver/vvpdeployment/storage.js';
import type { VvpDeploymentStorageOptions } from '../../../apiserver/vvpdeployment/options.js';
import type { VvpDeployment } from '../../../apiserver/vvpdeployment/types.js';
import { surroundingsAtRest, viewInputs, viewProgress } from '../../../apiserver/vvpdeployment/read/view-inputs.js';
import { viewResourceVersion } from '../../../apiserver/vvpdeployment/decide/kube-object.js';
import type { Deployment, Job, Savepoint } from '../../../apiserver/vvp/types.js';
import { accessFor } from '../../support/access.js';
import { FakePlatform } from '../../support/fake-platform.js';
import { deployment, job as jobOf, manifest } from '../../support/fixtures.js';
import { throughStrategy } from '../../support/strategy.js';

function ctx(): RequestContext {
  const user = { username: 'alice', groups: [], extra: {} };
  return { user, dryRun: false, signal: new AbortController().signal, access: accessFor(user) };
}

/** A storage with a watch hub polling every 100 ms, and GETs allowed to reuse what they read for a minute. */
function setup(t: Test) {
  const platform = new FakePlatform();
  let now = Date.parse('2026-11-24T12:00:00Z');
  const options: VvpDeploymentStorageOptions = {
    client: platform.client(), instanceId: 'op-1', platformNamespaces: ['default'], platformName: 'http://vvp.test',
    now: () => new Date(now += 1000), watch: { pollIntervalMs: 100 }, surroundingsMaxAgeMs: 60_000,
  };
  const storage = throughStrategy(new VvpDeploymentStorage({ instances: [options] }));
  t.teardown(() => storage.close());
  return { platform, storage };
}

function healthy(o: VvpDeployment): string | undefined {
  const c = o.status?.conditions.find((x) => x.type === 'Healthy');
  return c && `${c.status}/${c.reason}`;
}

/** The next event of the stream that satisfies `wanted` (generous deadline: the poll runs every 100 ms). */
async function nextWhere(stream: WatchStream, wanted: (e: WatchEvent) => boolean, timeoutMs = 20_000): Promise<WatchEvent> {
  const iterator = stream[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('no such event')), timeoutMs); });
  try {
    for (;;) {
      const r = await Promise.race([iterator.next(), expired]);
      if (r.done) throw new Error('stream ended');
      if (wanted(r.value)) return r.value;
    }
  } finally {
    clearTimeout(timer);
  }
}

/** The platform deployment RUNNING, its job STARTING, created before the deployment's last change. */
async function runningWithStartingJob(t: Test) {
  const s = setup(t);
  await s.storage.create(ctx(), manifest('a'));
  s.platform.settle('default', 'a', 'RUNNING');
  const d = s.platform.deployments.get('default/a')!;
  const lastChange = d.metadata.modifiedAt!;
  const starting: Job = {
    metadata: { id: d.status!.running!.jobId!, namespace: 'default', deploymentId: d.metadata.id, createdAt: d.status!.running!.transitionTime, modifiedAt: d.status!.running!.transitionTime, resourceVersion: 1 },
    status: { state: 'STARTING' },
  };
  s.platform.jobs.push(starting);
  return { ...s, d, lastChange, starting };
}

/** The platform replaces its job: STARTED, its timestamps no newer than the deployment's last change. */
function jobStarts(platform: FakePlatform, starting: Job, at: string): void {
  const started: Job = { ...starting, metadata: { ...starting.metadata, modifiedAt: at, resourceVersion: 2 }, status: { state: 'STARTED', started: { startedAt: at } } };
  platform.jobs = platform.jobs.map((j) => (j.metadata.id === starting.metadata.id ? started : j));
}

t.test('a job that starts after the deployment\'s last change turns the object Healthy in a watch, a list and a GET', async (t) => {
  const { platform, storage, starting, lastChange } = await runningWithStartingJob(t);
  const before = await storage.get(ctx(), 'flink', 'a');
  t.equal(healthy(before), 'False/JobStarting', 'the job is starting');
  const stream = await storage.watch!(ctx(), { namespace: 'flink', labelSelector: [], fieldSelector: [], allowWatchBookmarks: false });
  t.teardown(() => stream.stop());
  const added = await nextWhere(stream, (e) => e.type === 'ADDED');
  t.equal(healthy(added.object as VvpDeployment), 'False/JobStarting', 'the watch starts from the same state');

  jobStarts(platform, starting, lastChange);

  const modified = await nextWhere(stream, (e) => e.type === 'MODIFIED');
  t.equal(healthy(modified.object as VvpDeployment), 'True/Running', 'the watch sees the job start although the deployment did not change');
  const rv = (e: WatchEvent) => BigInt((e.object as VvpDeployment).metadata.resourceVersion ?? '0');
  t.ok(rv(modified) > rv(added), 'and the resourceVersion moved forward');
  t.equal(healthy(await storage.get(ctx(), 'flink', 'a')), 'True/Running', 'a GET does not reuse the starting job it read a moment ago');
  const listed = await storage.list(ctx(), { namespace: 'flink', labelSelector: [], fieldSelector: [] });
  t.equal(healthy(fullObject(listed.items[0]!) as VvpDeployment), 'True/Running', 'nor does a list reuse the watch\'s old text');
});

t.test('a savepoint that completes with no newer timestamp than the deployment\'s shows in the watch', async (t) => {
  const { platform, storage, starting, lastChange, d } = await runningWithStartingJob(t);
  jobStarts(platform, starting, lastChange);
  const savepoint: Savepoint = {
    metadata: { id: 'sp-1', namespace: 'default', deploymentId: d.metadata.id, origin: 'USER_REQUEST', createdAt: lastChange, modifiedAt: lastChange, resourceVersion: 1 },
    spec: { savepointLocation: 's3://sp/1' }, status: { state: 'STARTED' },
  };
  platform.savepoints.push(savepoint);
  const stream = await storage.watch!(ctx(), { namespace: 'flink', labelSelector: [], fieldSelector: [], allowWatchBookmarks: false });
  t.teardown(() => stream.stop());
  const added = await nextWhere(stream, (e) => e.type === 'ADDED');
  t.equal((added.object as VvpDeployment).status?.lastSavepoint?.state, 'STARTED');
  platform.savepoints = [{ ...savepoint, metadata: { ...savepoint.metadata, resourceVersion: 2 }, status: { state: 'COMPLETED' } }];
  const modified = await nextWhere(stream, (e) => e.type === 'MODIFIED');
  t.equal((modified.object as VvpDeployment).status?.lastSavepoint?.state, 'COMPLETED');
});

t.test('what the object is keyed on: every input; the resourceVersion grows with a child-only change', async (t) => {
  const d = deployment();
  const starting = { deployment: d, job: jobOf('j-1', 'STARTING', { metadata: { id: 'j-1', namespace: 'default', createdAt: '2026-11-24T10:04:00Z', resourceVersion: 1 } }) };
  const started = { deployment: d, job: jobOf('j-1', 'STARTED', { metadata: { id: 'j-1', namespace: 'default', createdAt: '2026-11-24T10:04:00Z', resourceVersion: 2 } }) };
  t.not(viewInputs(starting), viewInputs(started), 'a job state is an input');
  t.equal(viewInputs(started), viewInputs({ deployment: structuredClone(d), job: structuredClone(started.job) }), 'the same inputs, the same key');
  t.ok(viewProgress(started) > viewProgress(starting));
  t.ok(BigInt(viewResourceVersion(started)) > BigInt(viewResourceVersion(starting)), 'timestamps unchanged (all older than the deployment\'s), the RV still grows');
  const autopilotMoved = { ...started, autopilot: { mode: 'AUTOPILOT_MODE_ACTIVE' as const, runtimeParallelism: 4 } };
  t.not(viewInputs(autopilotMoved), viewInputs({ ...started, autopilot: { mode: 'AUTOPILOT_MODE_ACTIVE' as const, runtimeParallelism: 8 } }), 'Autopilot\'s parallelism is an input');
});

t.test('GET reuses what it read beside a deployment only while that is at rest', async (t) => {
  const d: Deployment = deployment();
  t.ok(surroundingsAtRest(d, { job: jobOf('j-1', 'STARTED'), savepoints: [] }), 'RUNNING with its job STARTED');
  t.notOk(surroundingsAtRest(d, { job: jobOf('j-1', 'STARTING'), savepoints: [] }), 'a job starting');
  t.notOk(surroundingsAtRest(d, { job: jobOf('j-0', 'STARTED'), savepoints: [] }), 'an older job than the one the deployment runs');
  t.notOk(surroundingsAtRest(d, { job: jobOf('j-1', 'STARTED'), savepoints: [{ metadata: { id: 's', namespace: 'default' }, status: { state: 'STARTED' } }] }), 'a savepoint in flight');
  t.notOk(surroundingsAtRest(d, { job: jobOf('j-1', 'STARTED'), savepoints: [], autopilot: { mode: 'AUTOPILOT_MODE_ACTIVE' } }), 'Autopilot ACTIVE');
  t.ok(surroundingsAtRest(deployment({ state: 'CANCELLED' }, { state: 'CANCELLED' }), { job: jobOf('j-1', 'TERMINATED'), savepoints: [] }), 'stopped');
});
