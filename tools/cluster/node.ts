// A real node for the local control plane: containerd 2.x (CRI, runc from Debian, overlayfs), a CNI bridge, a pause
// image built here, kube-scheduler and a kubelet registered with a client certificate from the cluster CA. What
// kube-proxy would do for the one Service Pods need — the `kubernetes` ClusterIP — is a DNAT rule in a chain of its
// own; the aggregator reaches the APIService's Pods through its endpoints (the control plane's `withNode` flags).
// Everything lives in the state directory (containerd's root and state, netns mounts, IPAM, kubelet's root), so
// stopping the node is: stop the processes by pid, unmount what is under the directory, delete the bridge and chain.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CertificateAuthority } from '../../certs/pki.js';
import { type ControlPlane, freePort, isAlive, kubeconfigYaml, kubectl, runCommand, startDetached, waitFor, writePair } from './control-plane.js';
import { nodeNetwork, type NodeNetwork, removeNetwork, setUpNetwork } from './node-network.js';

export interface RunningNode {
  name: string;
  stateDir: string;
  binDir: string;
  network: NodeNetwork;
  containerdSocket: string;
  pids: { containerd: number; kubelet: number; scheduler: number };
  logs: { containerd: string; kubelet: string; scheduler: string };
}

export const pauseImage = 'localhost/vvp-pause:local';
const nodeFile = (stateDir: string) => join(stateDir, 'node.json');

export function readNode(stateDir: string): RunningNode | undefined {
  return existsSync(nodeFile(stateDir)) ? (JSON.parse(readFileSync(nodeFile(stateDir), 'utf8')) as RunningNode) : undefined;
}

function containerdConfig(dir: string, socket: string, network: NodeNetwork): string {
  return `version = 3
root = "${dir}/containerd/root"
state = "${dir}/containerd/state"
[grpc]
  address = "${socket}"
[plugins.'io.containerd.cri.v1.images']
  snapshotter = "overlayfs"
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = "${pauseImage}"
[plugins.'io.containerd.cri.v1.runtime']
  netns_mounts_under_state_dir = true
  # This sandbox withholds CAP_SYS_RESOURCE: runc cannot lower oom_score_adj below containerd's own (the sandbox's
  # -998 fails with "failed to update /proc/self/oom_score_adj: Permission denied"); never ask for lower.
  restrict_oom_score_adj = true
  [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
    BinaryName = "/usr/sbin/runc"
    SystemdCgroup = false
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ["/usr/lib/cni"]
    conf_dir = "${network.cniConfDir}"
`;
}

function kubeletConfig(dir: string, socket: string, network: NodeNetwork, ports: { kubelet: number; healthz: number }, pki: { ca: string; cert: string; key: string }): string {
  return JSON.stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    // This machine has cgroups v1 (v2 is mounted with no controllers); kubelet >= 1.35 refuses v1 unless told.
    failCgroupV1: false,
    cgroupDriver: 'cgroupfs',
    containerRuntimeEndpoint: `unix://${socket}`,
    address: network.gateway,
    port: ports.kubelet,
    healthzBindAddress: '127.0.0.1',
    healthzPort: ports.healthz,
    readOnlyPort: 0,
    tlsCertFile: pki.cert,
    tlsPrivateKeyFile: pki.key,
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: pki.ca } },
    authorization: { mode: 'Webhook' },
    clusterDomain: 'cluster.local',
    resolvConf: '/etc/resolv.conf',
    staticPodPath: join(dir, 'manifests'),
    // A shared build machine: the disk is never "full" by kubelet's default thresholds' measure, but say so.
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '2%', 'imagefs.available': '2%' },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    serializeImagePulls: false,
    failSwapOn: false,
    shutdownGracePeriod: '0s',
    oomScoreAdj: 0,
    rotateCertificates: false,
    serverTLSBootstrap: false,
    syncFrequency: '10s',
    fileCheckFrequency: '10s',
    nodeStatusUpdateFrequency: '5s',
  }, null, 2);
}

/** Runs tools/node-pause/build.sh (cached in the state of buildah) and imports the archive into containerd. */
async function importPause(node: RunningNode, repo: string, log: (l: string) => void): Promise<void> {
  const archive = join(node.stateDir, 'pause.tar');
  log('building the pause image (tools/node-pause/build.sh)');
  const built = await runCommand(join(repo, 'tools', 'node-pause', 'build.sh'), [archive, pauseImage], { timeoutMs: 600_000 });
  if (built.code !== 0) throw new Error(`pause image: ${built.stderr}`);
  await importImage(node, archive);
}

/** `ctr images import` of an OCI archive into the CRI namespace (k8s.io), where kubelet finds images. */
export async function importImage(node: RunningNode, archive: string): Promise<void> {
  const res = await runCommand(join(node.binDir, 'ctr'), ['-a', node.containerdSocket, '-n', 'k8s.io', 'images', 'import', '--no-unpack=false', archive], { timeoutMs: 600_000 });
  if (res.code !== 0) throw new Error(`ctr images import ${archive}: ${res.stderr}`);
}

/** Starts containerd, kube-scheduler and kubelet for the control plane (started `withNode`); waits for Ready. */
export async function startNode(opts: { cp: ControlPlane; nodeBinDir: string; stateDir: string; repo: string; log?: (l: string) => void }): Promise<RunningNode> {
  const log = opts.log ?? (() => {});
  const { cp } = opts;
  if (!cp.withNode) throw new Error('the control plane was not started withNode (aggregator routing, Pod controllers)');
  if (readNode(opts.stateDir)) await stopNode(opts.stateDir);
  const started = Date.now();
  const dir = opts.stateDir;
  const name = 'vvp-node';
  mkdirSync(join(dir, 'manifests'), { recursive: true });
  const network = nodeNetwork(dir);
  const socket = join(dir, 'containerd.sock');
  const node: RunningNode = {
    name, stateDir: dir, binDir: opts.nodeBinDir, network, containerdSocket: socket,
    pids: { containerd: 0, kubelet: 0, scheduler: 0 },
    logs: { containerd: join(dir, 'containerd.log'), kubelet: join(dir, 'kubelet.log'), scheduler: join(dir, 'kube-scheduler.log') },
  };
  const save = () => writeFileSync(nodeFile(dir), JSON.stringify(node, null, 2));
  save();
  try {
    log(`network: bridge ${network.bridge} ${network.subnet}, kubernetes Service ${network.serviceIp}:443 → ${cp.server}`);
    await setUpNetwork(network, new URL(cp.server));

    writeFileSync(join(dir, 'containerd.toml'), containerdConfig(dir, socket, network));
    log('starting containerd');
    node.pids.containerd = startDetached(join(opts.nodeBinDir, 'containerd'), ['--config', join(dir, 'containerd.toml')], node.logs.containerd, { PATH: `${opts.nodeBinDir}:${process.env.PATH ?? ''}` });
    save();
    await waitFor('containerd', 60_000, async () => (await runCommand(join(opts.nodeBinDir, 'ctr'), ['-a', socket, 'version'], { timeoutMs: 5000 })).code === 0,
      () => isAlive(node.pids.containerd), node.logs.containerd);
    await importPause(node, opts.repo, log);

    const pki = join(dir, 'pki');
    mkdirSync(pki, { recursive: true });
    const ca = await CertificateAuthority.load(cp.clusterCa);
    const client = await ca.issueClient({ commonName: `system:node:${name}`, organizations: ['system:nodes'] });
    const serving = writePair(pki, 'kubelet', await ca.issueServing({ commonName: name, dnsNames: [name], ipAddresses: [network.gateway] }));
    const caFile = join(pki, 'ca.crt');
    writeFileSync(caFile, cp.clusterCa.certPem);
    writeFileSync(join(dir, 'kubelet.kubeconfig'), kubeconfigYaml(cp.server, cp.clusterCa.certPem, client, `system:node:${name}`), { mode: 0o600 });
    const ports = { kubelet: await freePort(), healthz: await freePort() };
    writeFileSync(join(dir, 'kubelet.yaml'), kubeletConfig(dir, socket, network, ports, { ca: caFile, ...serving }));

    log('starting kube-scheduler');
    node.pids.scheduler = startDetached(join(opts.nodeBinDir, 'kube-scheduler'), [
      `--kubeconfig=${cp.kubeconfig}`, `--authentication-kubeconfig=${cp.kubeconfig}`, `--authorization-kubeconfig=${cp.kubeconfig}`,
      '--leader-elect=false', '--bind-address=127.0.0.1', `--secure-port=${await freePort()}`, '--v=1',
    ], node.logs.scheduler);
    log(`starting kubelet (node ${name}, ${network.gateway}:${ports.kubelet})`);
    node.pids.kubelet = startDetached(join(opts.nodeBinDir, 'kubelet'), [
      `--config=${join(dir, 'kubelet.yaml')}`, `--kubeconfig=${join(dir, 'kubelet.kubeconfig')}`, `--root-dir=${join(dir, 'kubelet')}`,
      `--hostname-override=${name}`, `--node-ip=${network.gateway}`, '--v=1',
    ], node.logs.kubelet, { PATH: `${opts.nodeBinDir}:${process.env.PATH ?? ''}` });
    save();
    await waitFor(`node ${name} Ready and untainted`, 180_000, async () => {
      const res = await kubectl(cp, ['get', 'node', name, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status} {.spec.taints}']);
      return res.stdout.trim() === 'True';
    }, () => isAlive(node.pids.kubelet) && isAlive(node.pids.containerd) && isAlive(node.pids.scheduler), node.logs.kubelet);
  } catch (err) {
    await stopNode(dir);
    throw err;
  }
  log(`node ${name} Ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return node;
}

async function stopPid(pid: number, graceMs: number): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const until = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

/** The shims (and through them the containers) this node's containerd started: their command line names its socket. */
function shimPids(socket: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number)) {
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cmdline.some((a) => a.endsWith('containerd-shim-runc-v2')) && cmdline.includes(socket)) pids.push(entry);
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Stops exactly what startNode started (by pid, and the shims of its containerd), unmounts, removes network and state. */
export async function stopNode(stateDir: string): Promise<void> {
  const node = readNode(stateDir);
  if (node) {
    await stopPid(node.pids.kubelet, 15_000);
    await stopPid(node.pids.scheduler, 10_000);
    // The containers first (their shims outlive containerd), then the shims themselves.
    const ctr = join(node.binDir, 'ctr');
    if (isAlive(node.pids.containerd)) {
      const tasks = await runCommand(ctr, ['-a', node.containerdSocket, '-n', 'k8s.io', 'tasks', 'ls', '-q'], { timeoutMs: 20_000 });
      for (const id of tasks.stdout.split('\n').filter(Boolean)) {
        await runCommand(ctr, ['-a', node.containerdSocket, '-n', 'k8s.io', 'tasks', 'kill', '-s', 'SIGKILL', id], { timeoutMs: 20_000 });
      }
    }
    for (const pid of shimPids(node.containerdSocket)) await stopPid(pid, 5_000);
    await stopPid(node.pids.containerd, 15_000);
    await unmountUnder(stateDir);
    await removeNetwork(node.network);
    await removeKubeletHostState();
  }
  rmSync(stateDir, { recursive: true, force: true });
}

/** Unmounts everything mounted under the directory (kubelet's volumes, overlay rootfs, netns), deepest first. */
async function unmountUnder(dir: string): Promise<void> {
  const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '')
    .map((m) => m.replace(/\\040/g, ' ')).filter((m) => m === dir || m.startsWith(`${dir}/`));
  for (const m of [...new Set(mounts)].sort((a, b) => b.length - a.length)) {
    const res = await runCommand('umount', [m]);
    if (res.code !== 0) await runCommand('umount', ['-l', m]);
  }
}

/**
 * What kubelet leaves on the host when it stops: its iptables chains (the canaries it watches for a flush, and
 * KUBE-FIREWALL, which drops non-local packets to 127.0.0.0/8) and its cgroups (kubepods, its QoS classes and Pod
 * cgroups, left by a kubelet that stopped before its Pods). All are named by kubelet, not by this node, which is why
 * one node runs on a machine at a time; a cgroup that still has a process is not removed (rmdir fails).
 */
async function removeKubeletHostState(): Promise<void> {
  for (const rule of [['filter', 'INPUT'], ['filter', 'OUTPUT']]) await runCommand('iptables', ['-t', rule[0]!, '-D', rule[1]!, '-j', 'KUBE-FIREWALL']);
  for (const [tool, table, chain] of [
    ['iptables', 'filter', 'KUBE-FIREWALL'], ['iptables', 'filter', 'KUBE-KUBELET-CANARY'], ['iptables', 'nat', 'KUBE-KUBELET-CANARY'],
    ['iptables', 'mangle', 'KUBE-KUBELET-CANARY'], ['iptables', 'mangle', 'KUBE-IPTABLES-HINT'],
    ['ip6tables', 'filter', 'KUBE-KUBELET-CANARY'], ['ip6tables', 'nat', 'KUBE-KUBELET-CANARY'],
    ['ip6tables', 'mangle', 'KUBE-KUBELET-CANARY'], ['ip6tables', 'mangle', 'KUBE-IPTABLES-HINT'],
  ] as const) {
    await runCommand(tool, ['-t', table, '-F', chain]);
    await runCommand(tool, ['-t', table, '-X', chain]);
  }
  const root = '/sys/fs/cgroup';
  const dirs: string[] = [];
  const walk = (dir: string) => {
    dirs.push(dir);
    try {
      for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(join(dir, e.name));
    } catch { /* gone meanwhile */ }
  };
  for (const hierarchy of existsSync(root) ? readdirSync(root) : []) {
    if (existsSync(join(root, hierarchy, 'kubepods'))) walk(join(root, hierarchy, 'kubepods'));
  }
  for (const dir of dirs.sort((a, b) => b.length - a.length)) {
    try { rmdirSync(dir); } catch { /* still in use, or gone */ }
  }
}
