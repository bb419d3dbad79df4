// Issue 32 against the real emulator over HTTP: with the full listing of the platform namespace ten minutes apart, what
// the platform does on its own after a write through the server (the job starting, the deployment reaching RUNNING
// seconds after a create) still reaches a watch within a few hot intervals, because the deployment just written is
// read one by one meanwhile. Deadlines are generous (a loaded 2-core machine); no timing is asserted.

import t from 'tap';
import type { RequestContext, WatchEvent, WatchStream } from '../../apiserver/k8s/storage.js';
import { type CallRecord, VvpClient } from '../../apiserver/vvp/index.js';
import { VvpDeploymentStorage } from '../../apiserver/vvpdeployment/storage.js';
import type { VvpDeployment } from '../../apiserver/vvpdeployment/types.js';
import { accessFor } from '../support/access.js';
import { eventually } from '../support/eventually.js';
import { startEmulator } from '../support/emulator.js';
import { manifest } from '../support/fixtures.js';
import { throughStrategy } from '../support/strategy.js';

// The job starts 5 s after the create: long after the create's own answer and the poll it wakes.
const emulator = await startEmulator({ t, args: ['--seed', '--log-level', 'warn', '--admin-operator-instance', 'op-1', '--timing', 'reactionMs=200', '--timing', 'jobStartMs=5000'] });
const calls: CallRecord[] = [];
const client = new VvpClient({ baseUrl: emulator.url, token: emulator.adminToken, onCall: (c) => calls.push(c) });
t.teardown(() => client.close());

const FULL_POLL_MS = 600_000;
const HOT_READ_MS = 300;

function ctx(): RequestContext {
  const user = { username: 'alice', groups: [], extra: {} };
  return { user, dryRun: false, signal: new AbortController().signal, access: accessFor(user) };
}

/** The next event of the stream that satisfies `wanted`, within `timeoutMs` (far below the full poll interval). */
async function nextWhere(stream: WatchStream, wanted: (e: WatchEvent) => boolean, timeoutMs: number): Promise<WatchEvent> {
  const iterator = stream[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no such event within ${timeoutMs} ms`)), timeoutMs); });
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

const fullListings = () => calls.filter((c) => c.method === 'GET' && c.route === '/api/v1/namespaces/{ns}/deployments').length;
const readsById = () => calls.filter((c) => c.method === 'GET' && c.route === '/api/v1/namespaces/{ns}/deployments/{name}').length;
const running = (e: WatchEvent) => (e.object as VvpDeployment).status?.state === 'RUNNING' && (e.object as VvpDeployment).status?.job?.state === 'STARTED';

t.test('a job reaching RUNNING after a create reaches a watch long before the next full listing', async (t) => {
  const storage = throughStrategy(new VvpDeploymentStorage({
    instances: [{
      client, instanceId: 'op-1', platformNamespaces: ['default'], platformName: emulator.url,
      watch: { pollIntervalMs: FULL_POLL_MS, hotReadIntervalMs: HOT_READ_MS },
    }],
  }));
  t.teardown(() => storage.close());
  const stream = await storage.watch!(ctx(), { namespace: 'flink', labelSelector: [], fieldSelector: [], allowWatchBookmarks: false });
  t.teardown(() => stream.stop());

  const listingsBefore = fullListings();
  const spec = manifest('hot-a').spec;
  const created = await storage.create(ctx(), manifest('hot-a', {
    deployment: { ...spec.deployment, spec: { ...spec.deployment.spec, deploymentTargetName: 'default' } },
  }));
  t.not((created as VvpDeployment).status?.state, 'RUNNING', 'the create answers before the platform starts the job');
  const added = await nextWhere(stream, (e) => e.type === 'ADDED', 60_000);
  t.equal((added.object as VvpDeployment).metadata.name, 'hot-a', 'the create itself shows (the poll the write wakes)');
  // The write wakes one full listing at once; none follows for ten minutes.
  const listingsAfterCreate = await eventually('the listing the create wakes', async () => fullListings() > listingsBefore && fullListings());
  const readsBefore = readsById();

  const seen = await nextWhere(stream, (e) => e.type === 'MODIFIED' && running(e), 90_000);
  t.equal((seen.object as VvpDeployment).metadata.name, 'hot-a', 'RUNNING with its job STARTED, in the watch');
  t.equal(fullListings(), listingsAfterCreate, 'no full listing brought it: the next one is ten minutes away');
  t.ok(readsById() > readsBefore, 'the deployment was read by id meanwhile');
});
