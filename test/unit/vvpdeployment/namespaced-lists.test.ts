// A namespaced LIST reads only its namespace (security review 2, finding 6): a viewer of an empty namespace must not
// make the server read every tenant's deployments, with a watch running or not. The list's resourceVersion must
// still be one a watch resumes from, and a list must never be answered from a read sent before it arrived.
import t, { type Test } from 'tap';
import type { RequestContext, WatchEvent } from '../../../apiserver/k8s/storage.js';
import { LABEL } from '../../../apiserver/vvpdeployment/trust/annotations.js';
import { VvpDeploymentStorage } from '../../../apiserver/vvpdeployment/storage.js';
import type { VvpDeploymentStorageOptions } from '../../../apiserver/vvpdeployment/options.js';
import type { VvpDeployment } from '../../../apiserver/vvpdeployment/types.js';
import { accessFor } from '../../support/access.js';
import { eventually } from '../../support/eventually.js';
import { FakePlatform } from '../../support/fake-platform.js';
import { manifest } from '../../support/fixtures.js';
import { throughStrategy } from '../../support/strategy.js';

function ctx(): RequestContext {
  const user = { username: 'alice', groups: [], extra: {} };
  return { user, dryRun: false, signal: new AbortController().signal, access: accessFor(user) };
}

/** Two platform namespaces served; with `pollIntervalMs`, the machinery's WatchHub (closed when the test ends). */
function setup(t: Test, over: Partial<VvpDeploymentStorageOptions> = {}, platform = new FakePlatform()) {
  let now = Date.parse('2026-11-24T12:00:00Z');
  const storage = throughStrategy(new VvpDeploymentStorage({
    instances: [{
      client: platform.client(), instanceId: 'op-1', platformNamespaces: ['default', 'team-a'], platformName: 'http://vvp.test',
      recordEvent: () => {}, now: () => new Date(now += 1000), ...over,
    }],
  }));
  t.teardown(() => storage.close());
  const list = (namespace?: string) => storage.list(ctx(), { ...(namespace === undefined ? {} : { namespace }), labelSelector: [], fieldSelector: [] });
  return { platform, storage, list };
}

/** The namespace label each deployment listing selected by since the calls were last cleared ('' for none). */
function listingSelections(platform: FakePlatform): string[] {
  return platform.calls.filter((c) => c.method === 'LIST').map((c) => c.selector?.[LABEL.namespace] ?? '');
}

for (const mode of ['no watch served', 'watch served, nobody watching', 'watch served and watched'] as const) {
  t.test(`a namespaced list reads only its namespace's deployments (${mode})`, async (t) => {
    const { platform, storage, list } = setup(t, mode === 'no watch served' ? {} : { watch: { pollIntervalMs: 1e9 } });
    await storage.create(ctx(), manifest('a'));
    await storage.create(ctx(), manifest('b', {}, 'other'));
    if (mode === 'watch served and watched') {
      const stream = await storage.watch!(ctx(), { labelSelector: [], fieldSelector: [], allowWatchBookmarks: false });
      t.teardown(() => stream.stop());
    }
    await list('empty');
    platform.calls = [];
    t.same((await list('empty')).items, []);
    t.same(listingSelections(platform), ['empty', 'empty'], 'one listing per platform namespace, selected by the Kubernetes namespace');
    t.same(platform.calls.filter((c) => c.method !== 'LIST'), [], 'no jobs, savepoints or anything else read for an empty namespace');
    platform.calls = [];
    t.same((await list('other')).items.map((o) => o.metadata.name), ['b']);
    t.same(listingSelections(platform), ['other', 'other']);
    platform.calls = [];
    t.same((await list()).items.map((o) => o.metadata.name).sort(), ['a', 'b'], 'a list of all namespaces reads them all');
    t.same(listingSelections(platform), ['', '']);
  });
}

t.test('the first namespaced list of an idle scope lets the watch hub take its snapshot; later ones do not', async (t) => {
  const { platform, storage, list } = setup(t, { watch: { pollIntervalMs: 1e9 } });
  await storage.create(ctx(), manifest('a'));
  platform.calls = [];
  await list('empty');
  t.same(listingSelections(platform).sort(), ['', '', 'empty', 'empty'], 'the hub\'s one snapshot of each platform namespace, then the selected listings');
  platform.calls = [];
  await list('empty');
  await list('empty');
  t.same(listingSelections(platform), ['empty', 'empty', 'empty', 'empty']);
});

for (const namespace of ['other', undefined]) {
  t.test(`a watch from a list's resourceVersion resumes there and sees what changed after it, elsewhere too (${namespace ?? 'all namespaces'})`, async (t) => {
    const { platform, storage, list } = setup(t, { watch: { pollIntervalMs: 1e9 } });
    await storage.create(ctx(), manifest('a'));
    await storage.create(ctx(), manifest('b', {}, 'other'));
    const listed = await list(namespace);
    // Both change on the platform after the list: a, in another namespace, is newer than anything the list returned.
    platform.settle('default', 'b', 'RUNNING');
    platform.settle('default', 'a', 'RUNNING');
    const stream = await storage.watch!(ctx(), { namespace: 'other', resourceVersion: listed.metadata.resourceVersion ?? '', labelSelector: [], fieldSelector: [], allowWatchBookmarks: false });
    t.teardown(() => stream.stop());
    const iterator = stream[Symbol.asyncIterator]();
    let timer: NodeJS.Timeout | undefined;
    const first = await Promise.race([iterator.next(), new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no event')), 5000)))]);
    clearTimeout(timer);
    if (first.done) throw new Error('stream ended');
    const event: WatchEvent = first.value;
    t.equal(event.type, 'MODIFIED', 'not 410 Gone: the list\'s resourceVersion is within what the hub can replay');
    t.equal((event.object as VvpDeployment).metadata.name, 'b');
    t.equal((event.object as VvpDeployment).status?.state, 'RUNNING');
  });
}

t.test('a list arriving while a read of its scope is on its way is not answered from that read', async (t) => {
  const { platform, storage, list } = setup(t, { watch: { pollIntervalMs: 1e9 } });
  const other = setup(t, {}, platform).storage;
  await storage.create(ctx(), manifest('a'));
  await list('flink');
  // The next listing of `flink` is read from the platform, then its answer is held.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let holding = false;
  platform.holdAnswer = (call) => {
    if (holding || call.selector?.[LABEL.namespace] !== 'flink') return undefined;
    holding = true;
    return held;
  };
  const early = list('flink');
  await t.resolves(eventually('the first list\'s read is held', async () => holding), 'the first list\'s read has left');
  platform.holdAnswer = undefined;
  // Another replica (its own storage, the same platform) creates c; its create is answered before the second list.
  await other.create(ctx(), manifest('c'));
  const late = list('flink');
  release();
  t.same((await early).items.map((o) => o.metadata.name), ['a'], 'the first list shows the platform as it was read');
  t.same((await late).items.map((o) => o.metadata.name).sort(), ['a', 'c'], 'the second shows the write answered before it came');
});
