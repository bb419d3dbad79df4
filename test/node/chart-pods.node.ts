// The chart installed as a user would, on a real node: `helm install` of the image built from the Dockerfile, the
// server running as two Pods (kubelet, containerd, runc), the APIService routed to them through the Service's
// endpoints. Then what only a real run shows: the Pods' user, read-only root and capabilities, the probes, one
// leader of two, `helm upgrade` (new image tag and a changed value; a new CA) under a continuous client with no failed request,
// a leader killed with SIGKILL taken over, and last the plain manifests (apiservice/manifests) instead of the chart. Opt-in (`make node-test`, a name outside the suite's *.test.js): needs root, the
// node's binaries (NODE_BIN_DIR, test/cluster/build-node-binaries.sh) and the image (IMAGE, tools/image/build.sh).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { kubectl, runCommand, startControlPlane, stopControlPlane, tail } from '../../tools/cluster/control-plane.js';
import { importImage, startNode, stopNode } from '../../tools/cluster/node.js';
import { startEmulator } from '../support/emulator.js';
import { eventually } from '../support/eventually.js';
import { routeCount } from '../support/hostile.js';
import { vvpDeploymentManifests } from '../support/product.js';
import { apiRequest, startLoad, watchAvailability } from './load.js';
import { writePlainManifestsOverlay } from './plain-manifests-overlay.js';

const binDir = process.env.K8S_BIN_DIR;
const nodeBinDir = process.env.NODE_BIN_DIR;
if (!binDir || !nodeBinDir) throw new Error('K8S_BIN_DIR and NODE_BIN_DIR are required (make node-test sets them)');
const image = process.env.IMAGE ?? 'localhost/vvp-apiserver:dev';
const [imageRepo, imageTag] = [image.slice(0, image.lastIndexOf(':')), image.slice(image.lastIndexOf(':') + 1)];
const progress = (line: string) => console.error(`[node-test] ${line}`);

const release = 'vvp-apiserver';
const namespace = 'vvp-system';
const state = mkdtempSync(join(tmpdir(), 'vvp-node-test-'));
const cp = await startControlPlane({ stateDir: state, binDir, withNode: true, log: progress });
const nodeState = join(state, 'node');
t.teardown(async () => {
  if (!t.passing()) {
    console.error(`--- kubelet log (tail) ---\n${tail(join(nodeState, 'kubelet.log'), 40)}`);
    console.error(`--- server Pods' logs (tail) ---\n${(await kubectl(cp, ['logs', '-n', namespace, '-l', `app.kubernetes.io/instance=${release}`, '--tail=40', '--prefix'])).stdout}`);
  }
  await stopNode(nodeState);
  await stopControlPlane(state);
});
const node = await startNode({ cp, nodeBinDir, stateDir: nodeState, repo: process.cwd(), log: progress });

progress(`importing ${image} into the node's containerd`);
const archive = join(node.stateDir, 'image.tar');
const pushed = await runCommand('buildah', ['push', '--quiet', image, `oci-archive:${archive}:${image}`], { timeoutMs: 600_000 });
if (pushed.code !== 0) throw new Error(`${image} is not built (make image): ${pushed.stderr}`);
await importImage(node, archive);
// The upgrade's "new image": the same layers under a new tag, so the Deployment's template changes as with a release.
const upgradeTag = `${imageTag}-upgrade`;
await runCommand(join(nodeBinDir, 'ctr'), ['-a', node.containerdSocket, '-n', 'k8s.io', 'images', 'tag', image, `${imageRepo}:${upgradeTag}`]);

const instanceId = 'node-e2e';
const serverToken = 'server-token-node-e2e';
const emulator = await startEmulator({ args: ['--host', node.network.gateway, '--token', `${serverToken}:owner:*:${instanceId}`, '--seed', '--timings', 'fast'], t });
const apiGroup = 'ververica.platform';
const apiService = `v1.${apiGroup}`;
const ns = 'node-e2e';
const collection = `/apis/${apiGroup}/v1/namespaces/${ns}/vvpdeployments`;
const manifest = vvpDeploymentManifests({ apiGroup }, ns);
const helm = join(binDir, 'helm');
const helmRun = (args: string[]) => runCommand(helm, [...args, '--kubeconfig', cp.kubeconfig], { env: { HOME: join(state, 'home') }, timeoutMs: 900_000 });
const values = (tag: string, more: string[] = []) => [
  '--set', `image.repository=${imageRepo}`, '--set', `image.tag=${tag}`, '--set', 'image.pullPolicy=Never',
  '--set', `vvp.url=${emulator.url}`, '--set', `vvp.token=${serverToken}`, '--set', `instanceId=${instanceId}`,
  '--set', 'apikeySecrets.allNamespaces=true', ...more,
];
const figures: Record<string, unknown> = {};
t.teardown(() => console.error(`[node-test] figures ${JSON.stringify(figures)}`));

interface Pod { metadata: { name: string }; spec: { containers: { image: string }[] }; status: { podIP?: string; containerStatuses?: { ready: boolean; restartCount: number; containerID?: string }[] } }
async function serverPods(): Promise<Pod[]> {
  const res = await kubectl(cp, ['get', 'pods', '-n', namespace, '-l', `app.kubernetes.io/instance=${release}`, '-o', 'json']);
  return (JSON.parse(res.stdout) as { items: (Pod & { metadata: { deletionTimestamp?: string } })[] }).items.filter((p) => !p.metadata.deletionTimestamp);
}
/** `<pod>_<n>_<random>`: one per server process, so a restarted container is a new holder. */
async function holderIdentity(): Promise<string | undefined> {
  const res = await kubectl(cp, ['get', 'lease', release, '-n', namespace, '-o', 'jsonpath={.spec.holderIdentity}']);
  return res.code === 0 && res.stdout ? res.stdout : undefined;
}

t.test('helm install runs the server as Pods of the image and the APIService becomes Available', async (t) => {
  const started = Date.now();
  const installed = await helmRun(['install', release, 'apiservice/chart/vvp-apiserver', '-n', namespace, '--create-namespace', ...values(imageTag)]);
  t.equal(installed.code, 0, `helm install: ${installed.stderr}`);
  const available = await kubectl(cp, ['wait', '--for=condition=Available', `apiservice/${apiService}`, '--timeout=600s']);
  t.equal(available.code, 0, `APIService Available: ${available.stderr}`);
  figures.installToAvailableSeconds = Math.round((Date.now() - started) / 100) / 10;
  progress(`helm install → APIService Available in ${String(figures.installToAvailableSeconds)}s`);
  const ready = await eventually('both Pods Ready (probes passing)', async () => {
    const pods = await serverPods();
    return pods.length === 2 && pods.every((p) => p.status.containerStatuses?.[0]?.ready === true) ? pods : undefined;
  }, 300_000);
  t.equal(ready.length, 2, 'two replicas, both Ready: /readyz and /livez pass through kubelet');

  const probe = await kubectl(cp, ['exec', '-n', namespace, ready[0]!.metadata.name, '--', 'node', '-e',
    'const fs = require("fs"); let w; try { fs.writeFileSync("/app/x", "y"); w = "written" } catch (e) { w = e.code }'
    + '; console.log(process.getuid(), process.getgid(), w, fs.readFileSync("/proc/self/status", "utf8").match(/CapEff:\\s*(\\w+)/)[1])']);
  t.equal(probe.stdout.trim(), '1000 1000 EROFS 0000000000000000', `user 1000, read-only root, no capabilities: ${probe.stderr}`);
});

t.test('the everyday verbs go through kube-apiserver to the Pods', async (t) => {
  await kubectl(cp, ['create', 'namespace', ns]);
  const resource = `vvpdeployments.${apiGroup}`;
  const created = await kubectl(cp, ['create', '-f', '-'], { input: JSON.stringify(manifest('from-a-pod')) });
  t.equal(created.code, 0, `create: ${created.stderr}`);
  const got = await kubectl(cp, ['get', resource, 'from-a-pod', '-n', ns, '-o', 'jsonpath={.metadata.name}']);
  t.equal(got.stdout, 'from-a-pod', `get: ${got.stderr}`);
  const patched = await kubectl(cp, ['patch', resource, 'from-a-pod', '-n', ns, '--type=merge', '-p', '{"metadata":{"labels":{"team":"a"}}}']);
  t.equal(patched.code, 0, `patch: ${patched.stderr}`);
  const listed = await kubectl(cp, ['get', resource, '-n', ns, '-l', 'team=a', '-o', 'name']);
  t.match(listed.stdout, /from-a-pod/, `list with a label selector: ${listed.stderr}`);
  const all = await kubectl(cp, ['get', 'vvpdeployments', '-A']);
  t.equal(all.code, 0, `kubectl get vvpdeployments -A: ${all.stderr}`);
  const deleted = await kubectl(cp, ['delete', resource, 'from-a-pod', '-n', ns, '--wait=true', '--timeout=120s']);
  t.equal(deleted.code, 0, `delete: ${deleted.stderr}`);
});

t.test('two replicas elect one leader', async (t) => {
  const pods = (await serverPods()).map((p) => p.metadata.name);
  const holder = (await eventually('a Lease holder', holderIdentity, 120_000)).split('_')[0]!;
  t.ok(pods.includes(holder), `the Lease is held by one of the Pods (${holder})`);
});

t.test('helm upgrade (a new image tag and a changed value) under load: no failed request', async (t) => {
  const before = (await serverPods()).map((p) => p.metadata.name);
  const availability = watchAvailability(cp, apiService);
  const load = startLoad(cp, collection, 'upgrade', manifest);
  const upgraded = await helmRun(['upgrade', release, 'apiservice/chart/vvp-apiserver', '-n', namespace,
    ...values(upgradeTag, ['--set', 'podAnnotations.upgraded=yes']), '--wait', '--timeout=10m']);
  t.equal(upgraded.code, 0, `helm upgrade: ${upgraded.stderr}`);
  const after = await eventually('the rollout done: two new Pods Ready, the old ones gone', async () => {
    const pods = await serverPods();
    const fresh = pods.filter((p) => !before.includes(p.metadata.name) && p.spec.containers[0]?.image === `${imageRepo}:${upgradeTag}`);
    return pods.length === 2 && fresh.length === 2 && fresh.every((p) => p.status.containerStatuses?.[0]?.ready === true) ? fresh : undefined;
  }, 600_000);
  const report = await load.stop();
  const avail = await availability.stop();
  figures.upgrade = { sent: report.sent, failed: report.failed.length, unavailableSeconds: avail.unavailableMs / 1000, longestUnavailableSeconds: avail.longestMs / 1000 };
  progress(`helm upgrade under load: ${report.sent} requests, ${report.failed.length} failed; APIService not Available for ${avail.unavailableMs / 1000}s`);
  t.equal(after.length, 2, 'two new Pods of the new image');
  t.ok(report.sent > 20, `the client kept going through the rollout (${report.sent} requests)`);
  t.same(report.failed, [], 'no request failed');
  t.equal(avail.unavailableMs, 0, `the APIService stayed Available (${avail.samples} samples)`);
});

t.test('helm upgrade that re-makes the CA (the TLS Secret deleted) under load: no failed request, the old CA dropped after', async (t) => {
  const before = (await serverPods()).map((p) => p.metadata.name);
  const deleted = await kubectl(cp, ['delete', 'secret', `${release}-tls`, '-n', namespace]);
  t.equal(deleted.code, 0, `delete the TLS Secret: ${deleted.stderr}`);
  const availability = watchAvailability(cp, apiService);
  const load = startLoad(cp, collection, 'new-ca', manifest);
  const upgraded = await helmRun(['upgrade', release, 'apiservice/chart/vvp-apiserver', '-n', namespace, '--reuse-values', '--wait', '--timeout=10m']);
  t.equal(upgraded.code, 0, `helm upgrade: ${upgraded.stderr}`);
  await eventually('the rollout done: two new Pods Ready, the old ones gone', async () => {
    const pods = await serverPods();
    return pods.length === 2 && pods.every((p) => !before.includes(p.metadata.name) && p.status.containerStatuses?.[0]?.ready === true);
  }, 600_000);
  const report = await load.stop();
  const avail = await availability.stop();
  figures.newCa = { sent: report.sent, failed: report.failed.length, unavailableSeconds: avail.unavailableMs / 1000, longestUnavailableSeconds: avail.longestMs / 1000 };
  progress(`helm upgrade with a new CA under load: ${report.sent} requests, ${report.failed.length} failed; APIService not Available for ${avail.unavailableMs / 1000}s`);
  t.same(report.failed, [], `no request failed (${report.sent} sent)`);
  t.equal(avail.unavailableMs, 0, 'the APIService stayed Available');
  const bundle = async () => Buffer.from((await kubectl(cp, ['get', 'apiservice', apiService, '-o', 'jsonpath={.spec.caBundle}'])).stdout, 'base64').toString().match(/BEGIN CERTIFICATE/g)?.length;
  t.equal(await bundle(), 2, 'during the change the caBundle trusts the new CA and the old one');
  const again = await helmRun(['upgrade', release, 'apiservice/chart/vvp-apiserver', '-n', namespace, '--reuse-values', '--wait', '--timeout=10m']);
  t.equal(again.code, 0, `the next helm upgrade: ${again.stderr}`);
  t.equal(await bundle(), 1, 'the next upgrade trusts the new CA only');
  const available = await kubectl(cp, ['wait', '--for=condition=Available', `apiservice/${apiService}`, '--timeout=120s']);
  t.equal(available.code, 0, `still Available: ${available.stderr}`);
});

t.test('a killed leader (SIGKILL): another holder takes the Lease, in-flight requests answer 503 or succeed, no write lost or doubled', async (t) => {
  // Background work the new leader must do, set up first: a deletion left pending because the platform refuses its
  // DELETE (an emulator fault). The leader's pass retries it; the fault is lifted only once the leader is dead, so the
  // platform deployment goes when a new leader's pass runs — no request touches it, and no other replica finishes it.
  const deleteRoute = /^DELETE \/api\/v1\/namespaces\/[^/]+\/deployments\/[^/]+$/;
  const probe = 'background-probe';
  const made = await kubectl(cp, ['create', '-f', '-'], { input: JSON.stringify(manifest(probe)) });
  t.equal(made.code, 0, `create ${probe}: ${made.stderr}`);
  const refused = await emulator.request('POST', '/__emulator/faults', { method: 'DELETE', path: '/api/v1/namespaces/*/deployments/*', status: 503, message: 'held by the test' });
  t.equal(refused.status, 201, 'the platform refuses every DELETE of a deployment for now');
  const deletesBefore = await routeCount(emulator.request, deleteRoute);
  await kubectl(cp, ['delete', `vvpdeployments.${apiGroup}`, probe, '-n', ns, '--wait=false']);
  const marked = await eventually(`${probe} marked for deletion`, async () => {
    const got = await kubectl(cp, ['get', `vvpdeployments.${apiGroup}`, probe, '-n', ns, '-o', 'jsonpath={.metadata.deletionTimestamp}']);
    return got.code === 0 && got.stdout.trim() !== '' ? got.stdout.trim() : undefined;
  }, 120_000);
  t.ok(marked, `${probe} is being deleted (since ${marked})`);
  // The DELETE request tried once; a second refused DELETE is the leader's pass retrying.
  await eventually('the leader\'s pass retrying the refused DELETE', async () => (await routeCount(emulator.request, deleteRoute)) >= deletesBefore + 2, 120_000);

  // The holder must be one of the current Pods: right after an upgrade a terminating old Pod may still hold the Lease.
  const [victimIdentity, containerId] = await eventually('a Lease holder among the current, Ready Pods', async () => {
    const holder = await holderIdentity();
    const pod = (await serverPods()).find((p) => p.metadata.name === holder?.split('_')[0] && p.status.containerStatuses?.[0]?.ready === true);
    const id = pod?.status.containerStatuses?.[0]?.containerID?.replace(/^containerd:\/\//, '');
    return holder && id ? [holder, id] as const : undefined;
  }, 180_000);
  const victim = victimIdentity.split('_')[0]!;
  t.ok(containerId, `the leader's container (${victim})`);
  const load = startLoad(cp, collection, 'kill', manifest);
  const killed = Date.now();
  // A crash, not a shutdown: the server gets no chance to release its Lease, so the other replica waits it out.
  const kill = await runCommand(join(nodeBinDir, 'ctr'), ['-a', node.containerdSocket, '-n', 'k8s.io', 'tasks', 'kill', '-s', 'SIGKILL', containerId!]);
  t.equal(kill.code, 0, `SIGKILL the leader's server: ${kill.stderr}`);
  const lifted = await emulator.request('DELETE', '/__emulator/faults');
  t.equal(lifted.status, 200, 'the platform accepts DELETEs again');
  const resumed = eventually(`${probe} deleted on the platform by a new leader's pass`, async () => {
    const listed = await emulator.request<{ items?: { metadata: { name: string } }[] }>('GET', '/api/v1/namespaces/default/deployments');
    return listed.status === 200 && !(listed.body.items ?? []).some((d) => d.metadata.name === probe) ? Date.now() : undefined;
  }, 300_000);
  void resumed.catch(() => undefined); // awaited below; a failure there fails the case, not the process
  const next = await eventually('another holder of the Lease', async () => {
    const holder = await holderIdentity();
    return holder && holder !== victimIdentity ? holder : undefined;
  }, 120_000);
  figures.leaderTakeoverSeconds = Math.round((Date.now() - killed) / 100) / 10;
  figures.backgroundResumedSeconds = Math.round(((await resumed) - killed) / 100) / 10;
  const gone = await kubectl(cp, ['wait', '--for=delete', `vvpdeployments.${apiGroup}/${probe}`, '-n', ns, '--timeout=120s']);
  t.equal(gone.code, 0, `${probe} is gone from Kubernetes too: ${gone.stderr}`);
  await eventually('both Pods Ready again (the killed one restarted by kubelet)', async () => {
    const pods = await serverPods();
    const restarted = pods.find((p) => p.metadata.name === victim)?.status.containerStatuses?.[0]?.restartCount ?? 0;
    return pods.length === 2 && restarted >= 1 && pods.every((p) => p.status.containerStatuses?.[0]?.ready === true);
  }, 300_000);
  const report = await load.stop();
  figures.kill = { sent: report.sent, failed: report.failed.length, failedStatuses: [...new Set(report.failed.map((f) => f.status))] };
  progress(`SIGKILLed leader ${victim}: ${next} holds the Lease after ${String(figures.leaderTakeoverSeconds)}s; background work resumed `
    + `(the pending deletion finished on the platform) after ${String(figures.backgroundResumedSeconds)}s; ${report.sent} requests, ${report.failed.length} failed`);
  t.same(report.failed.filter((f) => f.status !== 503), [], 'requests in flight to the killed Pod answer 503 or succeed');
  t.ok((figures.leaderTakeoverSeconds as number) <= 60, `the Lease (15 s) is taken over (${String(figures.leaderTakeoverSeconds)}s)`);

  const listed = await apiRequest(cp, 'GET', collection);
  const names = (JSON.parse(listed.body) as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name);
  const missing = report.created.filter((n) => !names.includes(n));
  const doubled = names.filter((n, i) => names.indexOf(n) !== i);
  t.same({ missing, doubled }, { missing: [], doubled: [] }, `every created write is there once (${names.length} objects)`);
  const platform = await emulator.request<{ items?: { metadata: { name: string } }[] }>('GET', '/api/v1/namespaces/default/deployments');
  const onPlatform = (platform.body.items ?? []).map((d) => d.metadata.name);
  const notOnce = report.created.filter((n) => onPlatform.filter((p) => p === n).length !== 1);
  t.same(notOnce, [], `each created object is one platform deployment (${onPlatform.length} on the platform)`);
});

t.test('the plain manifests (kubectl apply -k of an overlay, no Helm) run the server as Pods too', async (t) => {
  // One APIService per group: the chart's release goes first, as a user moving from Helm to kustomize would do it.
  const uninstalled = await helmRun(['uninstall', release, '-n', namespace, '--wait', '--timeout=5m']);
  t.equal(uninstalled.code, 0, `helm uninstall: ${uninstalled.stderr}`);
  await eventually('the chart\'s Pods and APIService gone', async () => {
    const gone = await kubectl(cp, ['get', 'apiservice', apiService, '--ignore-not-found', '-o', 'name']);
    return gone.stdout.trim() === '' && (await serverPods()).length === 0;
  }, 300_000);
  const started = Date.now();
  const install = await writePlainManifestsOverlay({
    dir: join(state, 'plain-manifests-overlay'), base: join(process.cwd(), 'apiservice/manifests'), image,
    vvpUrl: emulator.url, vvpToken: serverToken, instanceId,
  });
  const secrets = await kubectl(cp, ['apply', '-f', '-'], { input: JSON.stringify(install.secrets) });
  t.equal(secrets.code, 0, `the Secrets the base expects: ${secrets.stderr}`);
  const applied = await kubectl(cp, ['apply', '-k', install.overlay]);
  t.equal(applied.code, 0, `kubectl apply -k: ${applied.stderr}`);
  t.notMatch(applied.stdout, /cert-manager/, 'the overlay applies nothing of cert-manager');
  const available = await kubectl(cp, ['wait', '--for=condition=Available', `apiservice/${apiService}`, '--timeout=600s']);
  t.equal(available.code, 0, `APIService Available: ${available.stderr}`);
  figures.manifestsApplyToAvailableSeconds = Math.round((Date.now() - started) / 100) / 10;
  const pods = await eventually('both Pods of the manifests Ready', async () => {
    const found = await serverPods();
    return found.length === 2 && found.every((p) => p.spec.containers[0]?.image === image && p.status.containerStatuses?.[0]?.ready === true) ? found : undefined;
  }, 300_000);
  t.equal(pods.length, 2, 'two replicas of the image, both Ready');

  const resource = `vvpdeployments.${apiGroup}`;
  const created = await kubectl(cp, ['create', '-f', '-'], { input: JSON.stringify(manifest('from-the-manifests')) });
  t.equal(created.code, 0, `create: ${created.stderr}`);
  const patched = await kubectl(cp, ['patch', resource, 'from-the-manifests', '-n', ns, '--type=merge', '-p', '{"metadata":{"labels":{"via":"kustomize"}}}']);
  t.equal(patched.code, 0, `patch: ${patched.stderr}`);
  const listed = await kubectl(cp, ['get', resource, '-n', ns, '-l', 'via=kustomize', '-o', 'name']);
  t.match(listed.stdout, /from-the-manifests/, `list with a label selector: ${listed.stderr}`);
  const deleted = await kubectl(cp, ['delete', resource, 'from-the-manifests', '-n', ns, '--wait=true', '--timeout=120s']);
  t.equal(deleted.code, 0, `delete: ${deleted.stderr}`);
  const holder = await eventually('a Pod of the manifests holding the Lease', async () => {
    const h = (await holderIdentity())?.split('_')[0];
    return h && pods.some((p) => p.metadata.name === h) ? h : undefined;
  }, 120_000);
  t.ok(holder, `the Lease passes to a Pod of the manifests (${holder})`);
});
