// Issue 32: the deployments a watch reads one by one between full listings spend the same bytes budget as the
// listings. Twenty deployments just created stay in a transition (the platform never starts them here), more than the
// budget lets be read each hot interval: the platform still reads no more bytes per second than the budget, listings
// and reads together, and the reads do happen.

import t from 'tap';
import type { RequestContext } from '../../../apiserver/k8s/storage.js';
import { VvpDeploymentStorage } from '../../../apiserver/vvpdeployment/storage.js';
import { accessFor } from '../../support/access.js';
import { FakePlatform } from '../../support/fake-platform.js';
import { manifest } from '../../support/fixtures.js';
import { throughStrategy } from '../../support/strategy.js';

function ctx(): RequestContext {
  const user = { username: 'alice', groups: [], extra: {} };
  return { user, dryRun: false, signal: new AbortController().signal, access: accessFor(user) };
}

const BUDGET = 400_000; // bytes/s
const HOT_MS = 50;

t.test('hot reads and full listings together stay within the bytes budget', async (t) => {
  const platform = new FakePlatform();
  const storage = throughStrategy(new VvpDeploymentStorage({
    instances: [{
      client: platform.client(), instanceId: 'op-1', platformNamespaces: ['default'], platformName: 'http://vvp.test',
      watch: { pollIntervalMs: HOT_MS, hotReadIntervalMs: HOT_MS, pollBytesBudget: BUDGET },
    }],
  }));
  t.teardown(() => storage.close());
  for (let i = 0; i < 20; i++) await storage.create(ctx(), manifest(`d-${i}`));
  const managed = [...platform.deployments.values()];
  const listingBytes = JSON.stringify({ kind: 'ResourceList', items: managed }).length;
  const readBytes = Math.max(...managed.map((d) => JSON.stringify(d).length));
  t.ok(listingBytes / BUDGET > HOT_MS / 1000, 'the budget stretches the full listing beyond the hot interval');

  const stream = await storage.watch!(ctx(), { namespace: 'flink', labelSelector: [], fieldSelector: [], allowWatchBookmarks: false });
  t.teardown(() => stream.stop());
  await new Promise((r) => setTimeout(r, 300));
  const from = platform.calls.length;
  const startedAt = performance.now();
  await new Promise((r) => setTimeout(r, 3_000));
  const calls = platform.calls.slice(from);
  const seconds = (performance.now() - startedAt) / 1000;
  const listings = calls.filter((c) => c.method === 'LIST').length;
  const reads = calls.filter((c) => c.method === 'GET').length;
  const bytes = listings * listingBytes + reads * readBytes;
  t.ok(reads > 0, `deployments were read one by one (${reads} reads, ${listings} listings in ${seconds.toFixed(1)} s)`);
  // Each full interval pays for the listing and the reads before it: those of the window's last interval are paid
  // after it (at most a listing and as many bytes of reads), and one hot round may straddle the edge.
  const allowed = BUDGET * seconds + 2 * listingBytes + (BUDGET * HOT_MS) / 1000;
  t.ok(bytes <= allowed, `${bytes} bytes read, within ${Math.round(allowed)} (the budget over ${seconds.toFixed(1)} s and the last interval's debt)`);
});
