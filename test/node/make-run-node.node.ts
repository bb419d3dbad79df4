// `make run WITH_NODE=1` as a user types it into a terminal (a tmux pane): the stack and a kubelet + containerd node
// stay in the foreground after the banner, a Pod runs on the node, and Ctrl-C stops everything the run started — the
// control plane, emulator and server, kubelet, kube-scheduler, containerd, the containers' shims and the containers
// themselves — and removes what the node made on the host: the mounts under the state directory (overlay root
// filesystems, network namespaces), the bridge, the DNAT chain, the Pod's cgroups. Typed twice in one checkout: the
// second run starts cleanly. Part of the node suite (test/node-suite.ts): needs root and the node's binaries
// (NODE_BIN_DIR); the node's bridge and chain have fixed names, so it runs alone, never beside another node.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import t from 'tap';
import { isAlive, runCommand } from '../../tools/cluster/control-plane.js';
import { readStack } from '../../apiservice/local/stack.js';
import { eventually } from '../support/eventually.js';
import { descendantsOf, processesIn, terminal } from '../support/terminal.js';

if (!process.env.K8S_BIN_DIR || !process.env.NODE_BIN_DIR) throw new Error('K8S_BIN_DIR and NODE_BIN_DIR are required (the node suite sets them)');
// Two runs from a cold start each, with a node, on a loaded 2-core machine.
t.setTimeout(2_400_000);
const repo = resolve('.');
const runJs = resolve('dist/apiservice/local/run.js');
const state = join(mkdtempSync(join(tmpdir(), 'vvp-make-run-node-')), 'run');
const pane = terminal(join(dirname(state), 'tmux.sock'));
const bridge = '/sys/class/net/vvpnode0';

const podManifest = JSON.stringify({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a-users-pod', namespace: 'default' },
  // The pause image the node builds for its sandboxes: the one image it has without an import.
  spec: { automountServiceAccountToken: false, containers: [{ name: 'pause', image: 'localhost/vvp-pause:local', imagePullPolicy: 'Never' }] },
});

/** Mount points at or under `dir`. */
const mountsUnder = (dir: string) => readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(dir));
/** The Pod's cgroup directories (kubelet's cgroupfs driver: kubepods/<qos>/pod<uid>) in every v1 hierarchy. */
function podCgroups(uid: string): string[] {
  const root = '/sys/fs/cgroup';
  return readdirSync(root).flatMap((h) => ['', 'besteffort', 'burstable'].map((qos) => join(root, h, 'kubepods', qos, `pod${uid}`))).filter((d) => existsSync(d));
}

t.before(() => pane.open(repo));
t.teardown(async () => {
  await pane.close();
  await runCommand(process.execPath, [runJs, 'down', '--state', state]);
  rmSync(dirname(state), { recursive: true, force: true });
});

for (const run of ['first', 'then again in the same checkout'] as const) {
  t.test(`make run WITH_NODE=1 (${run}) stays up until Ctrl-C, then nothing of it is left: processes, containers, mounts, network`, async (t) => {
    t.notOk(existsSync(bridge), 'no node runs on this machine before the run');
    // `-o build`: the suite has built already; everything else is the Makefile's own recipe.
    await pane.type(`make -o build run RUN_STATE=${state} WITH_NODE=1 RUN_ARGS='--timings fast'`);
    const shown = await eventually('the banner (or an error)', async () => {
      const text = await pane.screen();
      return /Press Ctrl-C to stop everything this started\.|Error \d+|\[run\] .*failed/.test(text) ? text : undefined;
    }, 900_000);
    t.match(shown, /Press Ctrl-C to stop everything this started\./, 'the banner');
    t.match(shown, /A node, vvp-node, runs Pods/, 'the banner names the node');
    t.notMatch(shown, /Error \d+|\[run\] .*failed/, 'no error');
    const stack = readStack(state);
    t.ok(stack?.node, 'the run recorded its stack and its node');
    const node = stack!.node!;
    const recorded = [stack!.pids.server, ...stack!.platforms.map((p) => p.pid), ...Object.values(stack!.controlPlane.pids), ...Object.values(node.pids)];
    t.equal(recorded.length, 8, 'server, emulator, etcd, kube-apiserver, kube-controller-manager, containerd, kubelet, kube-scheduler');
    t.ok(recorded.every((p) => isAlive(p)), 'all of them run');

    const kubectl = (args: string[], input?: string) => runCommand(stack!.kubectl, ['--kubeconfig', stack!.kubeconfig, ...args], { env: { HOME: state }, ...(input ? { input } : {}) });
    const got = await kubectl(['get', 'vvpdeployments', '-A']);
    t.match(got.stdout, /traffic-speeds/, `kubectl get vvpdeployments -A answers through the APIService: ${got.stderr}`);
    // The namespace's default ServiceAccount comes from a controller: until it exists, admission refuses the Pod.
    await eventually('the Pod created', async () => (await kubectl(['apply', '-f', '-'], podManifest)).code === 0, 120_000);
    const ready = await kubectl(['wait', '--for=condition=Ready', 'pod/a-users-pod', '-n', 'default', '--timeout=300s']);
    t.equal(ready.code, 0, `a Pod runs on the node: ${ready.stderr}`);
    const uid = (await kubectl(['get', 'pod', 'a-users-pod', '-n', 'default', '-o', 'jsonpath={.metadata.uid}'])).stdout.trim();
    const shims = processesIn(state).filter((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('containerd-shim-runc-v2'));
    const containers = descendantsOf(shims);
    t.ok(shims.length >= 1 && containers.length >= 1, `containerd shims (${shims.length}) and their containers (${containers.length}) run`);
    t.ok(mountsUnder(state).length > 0, 'the node mounted root filesystems and network namespaces under the state directory');
    t.ok(podCgroups(uid).length > 0, 'the Pod has its cgroups');
    t.equal(await pane.foreground(), 'make', 'make is still in the foreground of the terminal');

    await pane.ctrlC();
    await eventually('make to end after Ctrl-C', async () => (await pane.foreground()) === 'bash', 300_000);
    const text = await pane.screen();
    t.match(text, /stopped; nothing of this run is left/, 'it says it stopped');
    t.notMatch(text, /Error \d+/, 'make reports no error (only its Interrupt)');
    t.same([...recorded, ...shims, ...containers].filter((p) => isAlive(p)), [], 'no recorded process, shim or container is left');
    t.same(processesIn(state), [], 'no process in the table uses the state directory');
    t.same(mountsUnder(state), [], 'nothing is mounted under the state directory');
    t.notOk(existsSync(bridge), 'the bridge is removed');
    t.not((await runCommand('iptables', ['-t', 'nat', '-S', node.network.chain])).code, 0, `the ${node.network.chain} chain is removed`);
    t.same(podCgroups(uid), [], 'the Pod\'s cgroups are removed');
    t.notOk(existsSync(state), 'the state directory is removed');
  });
}
