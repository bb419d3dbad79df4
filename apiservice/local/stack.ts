// The whole product on one machine: the local control plane, the VVP emulator (or a real platform), the
// Helm chart installed with its Service pointing out of the cluster at 127.0.0.1, and the server running
// the image's entrypoint command with the chart's certificate and service-account identity.
// Used by `make run` / `make up` / `make down`, the end-to-end tests and the benchmarks.
import { randomBytes } from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import yaml from 'js-yaml';
import {
  freePort, isAlive, kubectl, runCommand, startControlPlane, stopControlPlane, tail, type ControlPlane,
} from '../../tools/cluster/control-plane.js';
import { startNode, stopNode, type RunningNode } from '../../tools/cluster/node.js';

export interface PlatformTarget {
  url: string;
  /** Token the server uses; on a real platform, an owner token of the namespaces served. */
  serverToken: string;
  /** Token a person or test uses against the platform itself. */
  userToken: string;
}

export interface StackOptions {
  stateDir: string;
  binDir: string;
  /** A control plane that is already running (tests share one); without it the stack starts its own. */
  controlPlane?: ControlPlane;
  apiGroup?: string;
  instanceId?: string;
  vvpNamespaces?: string[];
  /** A real platform; without it the emulator runs. */
  platform?: PlatformTarget;
  emulatorArgs?: string[];
  /**
   * How many emulators (platform instances) to start, each its own instance (`<instanceId>`, `<instanceId>-2`, …)
   * served through a platforms file; default 1 (the flag shorthand). Ignored with `platform`.
   */
  platforms?: number;
  /** Previous operator instances the first instance may adopt from (platforms-file.ts adoptFrom), with their tokens. */
  adoptFrom?: { instanceId: string; token: string }[];
  serverArgs?: string[];
  /** Helm release name and namespace. */
  release?: string;
  namespace?: string;
  log?: (line: string) => void;
  /** Aborts the start between steps (Ctrl-C during `make run`); what was started is stopped before startStack rejects. */
  signal?: AbortSignal;
  /**
   * The node's binaries (test/cluster/build-node-binaries.sh): a kubelet + containerd node beside the stack's own
   * control plane (`make run WITH_NODE=1`), stopped with it. Ignored with `controlPlane`.
   */
  nodeBinDir?: string;
}

export interface Stack {
  stateDir: string;
  controlPlane: ControlPlane;
  kubeconfig: string;
  kubectl: string;
  helm: string;
  apiGroup: string;
  instanceId: string;
  release: string;
  namespace: string;
  vvpUrl: string;
  vvpToken: string;
  serverUrl: string;
  serverArgs: string[];
  /** Whether stopStack stops the control plane too (it started it). */
  ownsControlPlane: boolean;
  pids: { emulator?: number; server: number };
  logs: { emulator?: string; server: string };
  /** Every platform instance served (the first is vvpUrl/vvpToken); with one emulator, that one. */
  platforms: StackPlatform[];
  /** The node (`nodeBinDir`): kubelet, containerd, kube-scheduler; its state under `<stateDir>/cluster/node`. */
  node?: RunningNode;
}

/** One platform instance of the stack: its emulator, the token the server reads from `tokenFile`, a user's token. */
export interface StackPlatform {
  instanceId: string;
  url: string;
  userToken: string;
  tokenFile: string;
  namespaces: string[];
  pid?: number;
  log?: string;
}

const repo = resolve(import.meta.dirname, '../../..');

/**
 * Node flags for the server run outside a cluster: the chart's heap limits (its NODE_OPTIONS), plus any given in
 * VVP_SERVER_NODE_FLAGS (e.g. --cpu-prof to profile a bench run).
 */
function serverNodeFlags(): string[] {
  const values = yaml.load(readFileSync(join(repo, 'apiservice/chart/vvp-apiserver/values.yaml'), 'utf8')) as { heapLimitMb?: number; semiSpaceMb?: number };
  const chart = [
    ...(values.heapLimitMb ? [`--max-old-space-size=${values.heapLimitMb}`] : []),
    ...(values.semiSpaceMb ? [`--max-semi-space-size=${values.semiSpaceMb}`] : []),
  ];
  return [...chart, ...(process.env.VVP_SERVER_NODE_FLAGS ?? '').split(' ').filter(Boolean)];
}
const stackFile = (stateDir: string) => join(stateDir, 'stack.json');
const nodeStateDir = (stateDir: string) => join(stateDir, 'cluster', 'node');

/** kube's admission plugins, as the image carries them: $KUBE_ADMISSION_BIN (make builds it), else built now (cached per pin). */
function admissionHelper(): string {
  return process.env.KUBE_ADMISSION_BIN || execFileSync(join(repo, 'tools/kube-admission/build.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

function startDetached(command: string, args: string[], log: string, env: NodeJS.ProcessEnv = {}): number {
  const fd = openSync(log, 'a');
  const child = spawn(command, args, { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, ...env }, cwd: repo });
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  return child.pid;
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, diagnose: () => string, signal?: AbortSignal): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    signal?.throwIfAborted();
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await sleep(250);
  }
  throw new Error(`${what} after ${timeoutMs / 1000}s\n${diagnose()}`);
}

async function startEmulator(stateDir: string, instanceId: string, extraArgs: string[], log: (l: string) => void, started: number[], logName = 'emulator.log', signal?: AbortSignal) {
  const port = await freePort();
  const adminToken = `admin-${randomBytes(12).toString('hex')}`;
  const serverToken = `server-${randomBytes(12).toString('hex')}`;
  const logFile = join(stateDir, logName);
  const url = `http://127.0.0.1:${port}`;
  log(`starting the VVP emulator on ${url}`);
  const pid = startDetached(process.execPath, [
    join(repo, 'vvp-emulator/bin/vvp-emulator.js'), '--port', String(port), '--admin-token', adminToken,
    // The server's own token acts as this operator instance, so the deployments it manages are write-protected.
    '--token', `${serverToken}:owner:*:${instanceId}`, '--seed', ...extraArgs,
  ], logFile);
  started.push(pid);
  await until('the emulator did not answer', 120_000, async () => {
    if (!isAlive(pid)) throw new Error('exited');
    const res = await fetch(`${url}/api/v1/status`, { headers: { authorization: `Bearer ${adminToken}` } });
    return res.ok ? true : undefined;
  }, () => tail(logFile), signal);
  return { url, pid, logFile, platform: { url, serverToken, userToken: adminToken } satisfies PlatformTarget };
}

async function must(what: string, result: Promise<{ code: number; stdout: string; stderr: string }>): Promise<string> {
  const r = await result;
  if (r.code !== 0) throw new Error(`${what} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

export function readStack(stateDir: string): Stack | undefined {
  return existsSync(stackFile(stateDir)) ? (JSON.parse(readFileSync(stackFile(stateDir), 'utf8')) as Stack) : undefined;
}

/** Shell `KEY=value` lines for tests, benchmarks and people: `. .run/env`. */
export function stackEnv(stack: Stack): Record<string, string> {
  return {
    KUBECONFIG: stack.kubeconfig,
    KUBECTL: stack.kubectl,
    HELM: stack.helm,
    VVP_URL: stack.vvpUrl,
    VVP_TOKEN: stack.vvpToken,
    SERVER_URL: stack.serverUrl,
    API_GROUP: stack.apiGroup,
    INSTANCE_ID: stack.instanceId,
  };
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const log = opts.log ?? (() => {});
  const stateDir = resolve(opts.stateDir);
  const running = readStack(stateDir);
  if (running && isAlive(running.pids.server) && (running.pids.emulator === undefined || isAlive(running.pids.emulator))) {
    log('the stack is already running');
    return running;
  }
  if (running) await stopStack(stateDir);
  mkdirSync(stateDir, { recursive: true });
  // Every process started before the stack is recorded (stack.json), so a failed or aborted start stops them itself.
  const started: number[] = [];
  try {
    return await startStackSteps(opts, stateDir, started, log);
  } catch (err) {
    await stopProcesses(started);
    if (!opts.controlPlane) {
      await stopNode(nodeStateDir(stateDir));
      await stopControlPlane(join(stateDir, 'cluster'));
    }
    throw err;
  }
}

async function startStackSteps(opts: StackOptions, stateDir: string, started: number[], log: (line: string) => void): Promise<Stack> {
  const signal = opts.signal;

  const apiGroup = opts.apiGroup ?? 'ververica.platform';
  const instanceId = opts.instanceId ?? 'local';
  const release = opts.release ?? 'vvp-apiserver';
  const namespace = opts.namespace ?? 'vvp-system';
  const helm = join(opts.binDir, 'helm');

  const withNode = opts.nodeBinDir !== undefined && !opts.controlPlane;
  // The server runs on loopback behind an ExternalName Service, which the aggregator reaches only without endpoint routing.
  const cp = opts.controlPlane ?? await startControlPlane({ stateDir: join(stateDir, 'cluster'), binDir: opts.binDir, withNode, aggregatorRouting: false, log });
  signal?.throwIfAborted();
  const node = withNode ? await startNode({ cp, nodeBinDir: opts.nodeBinDir!, stateDir: nodeStateDir(stateDir), repo, log }) : undefined;
  signal?.throwIfAborted();
  const emulator = opts.platform ? undefined : await startEmulator(stateDir, instanceId, opts.emulatorArgs ?? [], log, started, 'emulator.log', signal);
  const platform = opts.platform ?? emulator!.platform;
  const more = opts.platform ? [] : await Promise.all(Array.from({ length: Math.max(0, (opts.platforms ?? 1) - 1) }, (_, i) =>
    startEmulator(stateDir, `${instanceId}-${i + 2}`, opts.emulatorArgs ?? [], log, started, `emulator-${i + 2}.log`, signal)));
  signal?.throwIfAborted();

  const serverPort = await freePort();
  log(`installing the Helm chart (release ${release} in ${namespace}), its Service pointing at 127.0.0.1:${serverPort}`);
  await must('helm upgrade --install', runCommand(helm, [
    'upgrade', '--install', release, join(repo, 'apiservice/chart/vvp-apiserver'), '--namespace', namespace, '--create-namespace',
    '--kubeconfig', cp.kubeconfig,
    '--set', `apiGroup=${apiGroup}`, '--set', `instanceId=${instanceId}`,
    '--set', `vvp.url=${platform.url}`, '--set', `vvp.token=${platform.serverToken}`,
    '--set', `vvp.namespaces={${(opts.vvpNamespaces ?? ['default']).join(',')}}`,
    '--set', 'service.externalName=127.0.0.1', '--set', `service.externalPort=${serverPort}`,
    // Tests and the quick start make namespaces as they go: the server may read apikeySecretName Secrets in any.
    '--set', 'apikeySecrets.allNamespaces=true',
  ], { env: { HOME: join(cp.stateDir, 'home') } }));
  // The chart's Deployment is rendered whatever the Service: with a node, its Pods would be scheduled and never start
  // (the image is not imported; the server runs here as a process), so it is scaled to none.
  if (node) await must('scaling the chart\'s Deployment to 0', kubectl(cp, ['scale', 'deployment', '-n', namespace, '-l', `app.kubernetes.io/instance=${release}`, '--replicas=0']));
  signal?.throwIfAborted();

  // The server runs outside the cluster as the chart's ServiceAccount, with the chart's serving certificate.
  const secret = JSON.parse(await must('reading the TLS Secret', kubectl(cp, ['get', 'secret', '-n', namespace, `${release}-tls`, '-o', 'json']))) as { data: Record<string, string> };
  const decode = (key: string) => Buffer.from(secret.data[key] ?? '', 'base64').toString('utf8');
  const tlsDir = join(stateDir, 'server-tls');
  mkdirSync(tlsDir, { recursive: true });
  writeFileSync(join(tlsDir, 'tls.crt'), decode('tls.crt'));
  writeFileSync(join(tlsDir, 'tls.key'), decode('tls.key'), { mode: 0o600 });
  writeFileSync(join(tlsDir, 'ca.crt'), decode('ca.crt'));
  const saToken = (await must('kubectl create token', kubectl(cp, ['create', 'token', release, '-n', namespace, '--duration=48h']))).trim();
  const serverKubeconfig = join(stateDir, 'server-kubeconfig');
  writeFileSync(serverKubeconfig, [
    'apiVersion: v1', 'kind: Config',
    'clusters:', '- name: local', '  cluster:', `    server: ${cp.server}`, `    certificate-authority-data: ${Buffer.from(cp.clusterCa.certPem).toString('base64')}`,
    'users:', `- name: ${release}`, '  user:', `    token: ${saToken}`,
    'contexts:', '- name: local', '  context:', '    cluster: local', `    user: ${release}`,
    'current-context: local', '',
  ].join('\n'), { mode: 0o600 });
  const tokenFile = join(stateDir, 'vvp-token');
  writeFileSync(tokenFile, platform.serverToken, { mode: 0o600 });
  const vvpNamespaces = opts.vvpNamespaces ?? ['default'];
  const platforms: StackPlatform[] = [
    { instanceId, url: platform.url, userToken: platform.userToken, tokenFile, namespaces: vvpNamespaces, pid: emulator?.pid, log: emulator?.logFile },
    ...more.map((e, i) => {
      const file = join(stateDir, `vvp-token-${i + 2}`);
      writeFileSync(file, e.platform.serverToken, { mode: 0o600 });
      return { instanceId: `${instanceId}-${i + 2}`, url: e.url, userToken: e.platform.userToken, tokenFile: file, namespaces: vvpNamespaces, pid: e.pid, log: e.logFile };
    }),
  ];
  // Several instances or an adoption: the platforms file the chart would render (platforms-file.ts); else the flags.
  const platformsFile = join(stateDir, 'platforms.yaml');
  const adoptFrom = (opts.adoptFrom ?? []).map((a, i) => {
    const file = join(stateDir, `adopt-token-${i + 1}`);
    writeFileSync(file, a.token, { mode: 0o600 });
    return { instanceId: a.instanceId, tokenFile: file };
  });
  const useFile = platforms.length > 1 || adoptFrom.length > 0;
  if (useFile) {
    writeFileSync(platformsFile, yaml.dump({
      platforms: platforms.map((p, i) => ({ instanceId: p.instanceId, url: p.url, tokenFile: p.tokenFile, namespaces: p.namespaces, ...(i === 0 && adoptFrom.length ? { adoptFrom } : {}) })),
    }));
  }
  const platformArgs = useFile ? [`--platforms-file=${platformsFile}`]
    : [`--instance-id=${instanceId}`, `--vvp-url=${platform.url}`, `--vvp-token-file=${tokenFile}`, `--vvp-namespaces=${vvpNamespaces.join(',')}`];
  // The record-signing key the chart generated, as the file the pod would mount.
  const recordKey = JSON.parse(await must('reading the record key Secret', kubectl(cp, ['get', 'secret', '-n', namespace, `${release}-record-key`, '-o', 'json']))) as { data: Record<string, string> };
  const recordKeyFile = join(stateDir, 'record-keys');
  writeFileSync(recordKeyFile, Buffer.from(recordKey.data.keys ?? '', 'base64').toString('utf8'), { mode: 0o600 });

  const serverArgs = [
    '--bind-address=127.0.0.1', `--secure-port=${serverPort}`,
    `--tls-cert-file=${join(tlsDir, 'tls.crt')}`, `--tls-private-key-file=${join(tlsDir, 'tls.key')}`,
    `--kubeconfig=${serverKubeconfig}`, `--api-group=${apiGroup}`, ...platformArgs,
    `--lease-namespace=${namespace}`, `--lease-name=${release}`, `--record-key-file=${recordKeyFile}`,
    `--admission-helper=${admissionHelper()}`,
    ...(opts.serverArgs ?? []),
  ];
  const serverLog = join(stateDir, 'server.log');
  log(`starting the server (node dist/apiserver/main.js) on https://127.0.0.1:${serverPort}`);
  // The image's entrypoint command, run outside a container.
  const serverPid = startDetached(process.execPath, [...serverNodeFlags(), join(repo, 'dist/apiserver/main.js'), ...serverArgs], serverLog);
  started.push(serverPid);

  const stack: Stack = {
    stateDir, controlPlane: cp, kubeconfig: cp.kubeconfig, kubectl: cp.kubectl, helm, apiGroup, instanceId, release, namespace,
    vvpUrl: platform.url, vvpToken: platform.userToken, serverUrl: `https://127.0.0.1:${serverPort}`, serverArgs,
    ownsControlPlane: opts.controlPlane === undefined,
    pids: { emulator: emulator?.pid, server: serverPid }, logs: { emulator: emulator?.logFile, server: serverLog }, platforms, node,
  };
  writeFileSync(stackFile(stateDir), JSON.stringify(stack, null, 2));
  writeFileSync(join(stateDir, 'env'), Object.entries(stackEnv(stack)).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');

  log(`waiting for the APIService v1.${apiGroup} to become Available`);
  await until(`APIService v1.${apiGroup} not Available`, 240_000, async () => {
    if (!isAlive(serverPid)) throw new Error('server exited');
    const r = await kubectl(cp, ['get', 'apiservice', `v1.${apiGroup}`, '-o', 'jsonpath={.status.conditions[?(@.type=="Available")].status}']);
    return r.stdout.trim() === 'True' ? true : undefined;
  }, () => `server log:\n${tail(serverLog)}`, signal);
  return stack;
}

/** Stops the server and the emulator (by pid); the control plane too when the stack started it, else uninstalls the release. */
export async function stopStack(stateDir: string): Promise<void> {
  const stack = readStack(resolve(stateDir));
  const processes = [stack?.pids.server, stack?.pids.emulator, ...(stack?.platforms ?? []).slice(1).map((p) => p.pid)];
  if (stack && !stack.ownsControlPlane) {
    // The APIService goes first: registered with its server gone, its group fails discovery, which stalls namespace
    // deletion and the garbage collector for every other user of the shared control plane.
    await runCommand(stack.helm, ['uninstall', stack.release, '--namespace', stack.namespace, '--kubeconfig', stack.kubeconfig, '--wait'],
      { env: { HOME: join(stack.controlPlane.stateDir, 'home') } });
    await stopProcesses(processes);
  } else {
    await stopProcesses(processes);
    // The node before the control plane: kubelet, the containers, their shims, containerd, mounts, bridge and chain.
    await stopNode(nodeStateDir(resolve(stateDir)));
    await stopControlPlane(join(resolve(stateDir), 'cluster'));
  }
  rmSync(resolve(stateDir), { recursive: true, force: true });
}

export async function stopProcesses(pids: (number | undefined)[], signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  for (const pid of pids) if (isAlive(pid)) process.kill(pid!, signal);
  const deadline = Date.now() + 10_000;
  for (const pid of pids) {
    while (isAlive(pid) && Date.now() < deadline) await sleep(100);
    if (isAlive(pid)) process.kill(pid!, 'SIGKILL');
  }
}

/** A second replica of the server (same Lease, same platform) on another port; not behind the APIService. */
export async function startReplica(stack: Stack): Promise<{ pid: number; url: string; log: string }> {
  const port = await freePort();
  const args = stack.serverArgs.map((a) => (a.startsWith('--secure-port=') ? `--secure-port=${port}` : a));
  const log = join(stack.stateDir, `server-replica-${port}.log`);
  return { pid: startDetached(process.execPath, [...serverNodeFlags(), join(repo, 'dist/apiserver/main.js'), ...args], log), url: `https://127.0.0.1:${port}`, log };
}

/** Starts the server again with the same arguments (after a crash test killed it); returns its new pid. */
export function restartServer(stack: Stack): number {
  stack.pids.server = startDetached(process.execPath, [...serverNodeFlags(), join(repo, 'dist/apiserver/main.js'), ...stack.serverArgs], stack.logs.server);
  writeFileSync(stackFile(stack.stateDir), JSON.stringify(stack, null, 2));
  return stack.pids.server;
}
