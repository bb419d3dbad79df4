// A real local Kubernetes control plane: etcd + kube-apiserver on loopback with free ports, RBAC + Node
// authorization and everything API aggregation needs (front-proxy CA, proxy client cert, requestheader flags).
// Processes run detached so `make cluster-up` returns; their pids and logs stay in the state directory.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CertificateAuthority, createSigningKeyPair, type PemPair } from '../../certs/pki.js';

export interface ControlPlane {
  stateDir: string;
  binDir: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** Admin kubeconfig (user `admin`, group system:masters). */
  kubeconfig: string;
  kubectl: string;
  /** PEM of the cluster CA: it signs kube-apiserver's serving cert and every user client cert. */
  clusterCa: PemPair;
  /** PEM of the front-proxy (requestheader) CA, distinct from the cluster CA. */
  frontProxyCa: PemPair;
  /** The CN kube-apiserver's proxy client cert carries and extension servers must allow. */
  frontProxyName: string;
  /** Static bearer tokens kube-apiserver accepts (token → user), for TokenReview tests. */
  tokens: Record<string, { user: string; groups: string[] }>;
  pids: { etcd: number; apiserver: number; controllerManager: number };
  /** Started for a node (tools/cluster/node.ts): aggregator routing to endpoints, a kubelet client, Pod controllers. */
  withNode?: boolean;
  logs: { etcd: string; apiserver: string; controllerManager: string };
}

export const frontProxyName = 'front-proxy-client';

const staticTokens: ControlPlane['tokens'] = {
  'admin-token-0123456789': { user: 'token-admin', groups: ['system:masters'] },
  'alice-token-0123456789': { user: 'alice', groups: ['developers'] },
};

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** True while the process runs. A zombie counts as gone: this sandbox's init does not always reap orphans. */
export function isAlive(pid: number | undefined): boolean {
  if (!pid || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

export function writePair(dir: string, name: string, pair: PemPair): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  writeFileSync(cert, pair.certPem);
  writeFileSync(key, pair.keyPem, { mode: 0o600 });
  return { cert, key };
}

export function startDetached(binary: string, args: string[], log: string, env?: NodeJS.ProcessEnv): number {
  const fd = openSync(log, 'a');
  const child = spawn(binary, args, { detached: true, stdio: ['ignore', fd, fd], ...(env ? { env: { ...process.env, ...env } } : {}) });
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${binary}`);
  return child.pid;
}

async function httpsGet(url: string, tls: { ca: string; cert: string; key: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ...tls, timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

export async function waitFor(what: string, deadlineMs: number, check: () => Promise<boolean>, pidsAlive: () => boolean, log: string): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (!pidsAlive()) throw new Error(`${what}: process exited early; log ${log}:\n${tail(log)}`);
    if (await check().catch(() => false)) return;
    await sleep(250);
  }
  throw new Error(`${what}: not ready after ${deadlineMs / 1000}s; log ${log}:\n${tail(log)}`);
}

export function tail(file: string, lines = 40): string {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

export function kubeconfigYaml(server: string, caPem: string, user: PemPair, userName: string): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: local',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${b64(caPem)}`,
    'users:',
    `- name: ${userName}`,
    '  user:',
    `    client-certificate-data: ${b64(user.certPem)}`,
    `    client-key-data: ${b64(user.keyPem)}`,
    'contexts:',
    '- name: local',
    '  context:',
    '    cluster: local',
    `    user: ${userName}`,
    'current-context: local',
    '',
  ].join('\n');
}

const stateFile = (stateDir: string) => join(stateDir, 'control-plane.json');

export function readControlPlane(stateDir: string): ControlPlane | undefined {
  const file = stateFile(stateDir);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as ControlPlane;
}

async function isReady(cp: ControlPlane, admin: PemPair): Promise<boolean> {
  if (!isAlive(cp.pids.etcd) || !isAlive(cp.pids.apiserver) || !isAlive(cp.pids.controllerManager)) return false;
  const res = await httpsGet(`${cp.server}/readyz`, { ca: cp.clusterCa.certPem, cert: admin.certPem, key: admin.keyPem }).catch(() => undefined);
  return res?.status === 200;
}

/** Writes a kubeconfig for another user with a client certificate from the cluster CA. */
export async function userKubeconfig(cp: ControlPlane, user: string, groups: string[] = []): Promise<string> {
  const ca = await CertificateAuthority.load(cp.clusterCa);
  const pair = await ca.issueClient({ commonName: user, organizations: groups });
  const file = join(cp.stateDir, `kubeconfig-${user.replace(/[^a-z0-9-]/gi, '_')}`);
  writeFileSync(file, kubeconfigYaml(cp.server, cp.clusterCa.certPem, pair, user), { mode: 0o600 });
  return file;
}

/** Starts etcd and kube-apiserver, or returns the running control plane of this state directory. */
export async function startControlPlane(opts: {
  stateDir: string; binDir: string; withNode?: boolean;
  /**
   * With a node: whether the aggregator sends an APIService's requests to its Service's endpoints (default) or, as
   * without a node, to the Service itself — the only way to an ExternalName Service, which `make run` uses.
   */
  aggregatorRouting?: boolean;
  log?: (line: string) => void;
}): Promise<ControlPlane> {
  const log = opts.log ?? (() => {});
  const existing = readControlPlane(opts.stateDir);
  if (existing) {
    const admin = JSON.parse(readFileSync(join(opts.stateDir, 'admin.json'), 'utf8')) as PemPair;
    if ((existing.withNode === true) === (opts.withNode === true) && await isReady(existing, admin)) {
      log(`control plane already running at ${existing.server}`);
      return existing;
    }
    log('stale control-plane state found: stopping what is left of it and starting anew');
    await stopControlPlane(opts.stateDir);
  }

  const dir = opts.stateDir;
  const pki = join(dir, 'pki');
  mkdirSync(pki, { recursive: true });
  const started = Date.now();

  const clusterCa = await CertificateAuthority.create('vvp-test-cluster-ca');
  const frontProxyCa = await CertificateAuthority.create('vvp-test-front-proxy-ca');
  const serving = await clusterCa.issueServing({ commonName: 'kube-apiserver', dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'], ipAddresses: ['127.0.0.1', '10.0.0.1'] });
  const proxyClient = await frontProxyCa.issueClient({ commonName: frontProxyName });
  const admin = await clusterCa.issueClient({ commonName: 'admin', organizations: ['system:masters'] });
  const saKeys = await createSigningKeyPair();

  const files = {
    clusterCa: writePair(pki, 'cluster-ca', clusterCa),
    frontProxyCa: writePair(pki, 'front-proxy-ca', frontProxyCa),
    serving: writePair(pki, 'apiserver', serving),
    proxyClient: writePair(pki, 'front-proxy-client', proxyClient),
    saKey: join(pki, 'sa.key'),
    saPub: join(pki, 'sa.pub'),
    tokens: join(pki, 'tokens.csv'),
  };
  writeFileSync(files.saKey, saKeys.privateKeyPem, { mode: 0o600 });
  writeFileSync(files.saPub, saKeys.publicKeyPem);
  writeFileSync(files.tokens, Object.entries(staticTokens).map(([token, u], i) => `${token},${u.user},uid-${i},"${u.groups.join(',')}"`).join('\n') + '\n');
  writeFileSync(join(dir, 'admin.json'), JSON.stringify(admin), { mode: 0o600 });

  const [etcdPort, etcdPeerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const logs = { etcd: join(dir, 'etcd.log'), apiserver: join(dir, 'kube-apiserver.log'), controllerManager: join(dir, 'kube-controller-manager.log') };
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;

  log(`starting etcd on ${etcdUrl}`);
  const etcdPid = startDetached(join(opts.binDir, 'etcd'), [
    '--name=local', `--data-dir=${join(dir, 'etcd-data')}`,
    `--listen-client-urls=${etcdUrl}`, `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=${peerUrl}`, `--initial-advertise-peer-urls=${peerUrl}`, `--initial-cluster=local=${peerUrl}`,
    '--unsafe-no-fsync=true', '--log-level=warn',
  ], logs.etcd);

  const server = `https://127.0.0.1:${apiPort}`;
  const cp: ControlPlane = {
    stateDir: dir, binDir: opts.binDir, server, kubeconfig: join(dir, 'kubeconfig'), kubectl: join(opts.binDir, 'kubectl'),
    clusterCa: { certPem: clusterCa.certPem, keyPem: clusterCa.keyPem }, frontProxyCa: { certPem: frontProxyCa.certPem, keyPem: frontProxyCa.keyPem },
    frontProxyName, tokens: staticTokens, pids: { etcd: etcdPid, apiserver: 0, controllerManager: 0 }, logs, withNode: opts.withNode === true,
  };
  const node = nodeFlags(opts.withNode === true, opts.aggregatorRouting !== false, files.clusterCa.cert, writePair(pki, 'kubelet-client', admin));
  writeFileSync(stateFile(dir), JSON.stringify(cp, null, 2));
  await waitFor('etcd', 30_000, async () => {
    const res = await fetch(`${etcdUrl}/health`).catch(() => undefined);
    return res?.ok === true;
  }, () => isAlive(etcdPid), logs.etcd);

  log(`starting kube-apiserver on ${server}`);
  cp.pids.apiserver = startDetached(join(opts.binDir, 'kube-apiserver'), [
    `--etcd-servers=${etcdUrl}`, '--etcd-prefix=/registry',
    `--secure-port=${apiPort}`, '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1',
    `--cert-dir=${join(dir, 'kube-apiserver-certs')}`,
    `--tls-cert-file=${files.serving.cert}`, `--tls-private-key-file=${files.serving.key}`,
    `--client-ca-file=${files.clusterCa.cert}`,
    `--token-auth-file=${files.tokens}`,
    '--service-account-issuer=https://kubernetes.default.svc',
    `--service-account-key-file=${files.saPub}`, `--service-account-signing-key-file=${files.saKey}`,
    '--api-audiences=https://kubernetes.default.svc',
    '--service-cluster-ip-range=10.0.0.0/24',
    '--authorization-mode=Node,RBAC',
    `--requestheader-client-ca-file=${files.frontProxyCa.cert}`,
    `--requestheader-allowed-names=${frontProxyName}`,
    '--requestheader-username-headers=X-Remote-User',
    '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    `--proxy-client-cert-file=${files.proxyClient.cert}`, `--proxy-client-key-file=${files.proxyClient.key}`,
    // The default reconciler publishes the advertise address as the `kubernetes` Service's endpoint, and loopback is not allowed there.
    '--endpoint-reconciler-type=none',
    '--profiling=false',
    ...node.apiserver,
    '--v=1',
  ], logs.apiserver);
  writeFileSync(stateFile(dir), JSON.stringify(cp, null, 2));
  writeFileSync(cp.kubeconfig, kubeconfigYaml(server, clusterCa.certPem, admin, 'admin'), { mode: 0o600 });

  const tls = { ca: clusterCa.certPem, cert: admin.certPem, key: admin.keyPem };
  try {
    await waitUntilServing(cp, tls);
    // Namespace deletion and garbage collection, the controllers an aggregated API can break (their discovery
    // must see every API); the service-account controller gives new namespaces their `default` account; the
    // resource-quota controller computes quotas' usage (object counts of aggregated resources through discovery too).
    log(`starting kube-controller-manager (namespace, garbagecollector, serviceaccount, resourcequota${node.controllers.length ? ' and the Pod' : ''} controllers)`);
    cp.pids.controllerManager = startDetached(join(opts.binDir, 'kube-controller-manager'), [
      `--kubeconfig=${cp.kubeconfig}`, `--authentication-kubeconfig=${cp.kubeconfig}`, `--authorization-kubeconfig=${cp.kubeconfig}`,
      `--controllers=${['namespace', 'garbagecollector', 'serviceaccount', 'resourcequota', ...node.controllers].join(',')}`, '--leader-elect=false',
      // Quotas' usage is recomputed every 15 s (kube's default 5 min): a quota named a resource before the controller's
      // discovery (every 30 s) saw it is counted without waiting minutes.
      '--resource-quota-sync-period=15s',
      ...node.controllerManager,
      '--bind-address=127.0.0.1', `--secure-port=${await freePort()}`, `--cert-dir=${join(dir, 'kube-controller-manager-certs')}`,
      '--use-service-account-credentials=false', '--v=1',
    ], logs.controllerManager);
    writeFileSync(stateFile(dir), JSON.stringify(cp, null, 2));
  } catch (err) {
    await killProcesses(cp);
    throw err;
  }
  log(`control plane ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return cp;
}

/**
 * What a node's Pods need of the control plane: the aggregator sends an APIService's requests to its Service's
 * endpoints (no kube-proxy runs), kube-apiserver reaches kubelets for logs and exec, and the controllers that turn a
 * Deployment into Pods, publish endpoints, guard disruptions, untaint a Ready node and give each namespace the cluster CA run.
 */
function nodeFlags(withNode: boolean, aggregatorRouting: boolean, clusterCaFile: string, kubeletClient: { cert: string; key: string }) {
  if (!withNode) return { apiserver: [], controllers: [], controllerManager: [] };
  return {
    apiserver: [`--enable-aggregator-routing=${aggregatorRouting}`, '--kubelet-preferred-address-types=InternalIP', `--kubelet-client-certificate=${kubeletClient.cert}`, `--kubelet-client-key=${kubeletClient.key}`],
    controllers: ['deployment-controller', 'replicaset-controller', 'endpoints-controller', 'endpointslice-controller', 'disruption-controller', 'root-ca-certificate-publisher-controller', 'pod-garbage-collector-controller',
      // kubelet registers its node with the not-ready taint; this controller lifts it once the node is Ready.
      'node-lifecycle-controller'],
    controllerManager: [`--root-ca-file=${clusterCaFile}`],
  };
}

async function waitUntilServing(cp: ControlPlane, tls: { ca: string; cert: string; key: string }): Promise<void> {
  const { server, logs } = cp;
  await waitFor('kube-apiserver /readyz', 120_000, async () => (await httpsGet(`${server}/readyz`, tls)).status === 200,
    () => isAlive(cp.pids.apiserver) && isAlive(cp.pids.etcd), logs.apiserver);
  await waitFor('extension-apiserver-authentication ConfigMap', 60_000, async () => {
    const res = await httpsGet(`${server}/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication`, tls);
    return res.status === 200 && res.body.includes('requestheader-client-ca-file');
  }, () => isAlive(cp.pids.apiserver), logs.apiserver);
  await waitFor('namespace default', 60_000, async () => (await httpsGet(`${server}/api/v1/namespaces/default`, tls)).status === 200,
    () => isAlive(cp.pids.apiserver), logs.apiserver);
}

async function killProcesses(cp: ControlPlane): Promise<void> {
  const pids = [cp.pids.controllerManager, cp.pids.apiserver, cp.pids.etcd].filter((pid) => pid > 0);
  for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGTERM');
  const until = Date.now() + 15_000;
  for (const pid of pids) {
    while (isAlive(pid) && Date.now() < until) await sleep(100);
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
}

/** Stops exactly the processes this state directory started (by pid) and removes the state. */
export async function stopControlPlane(stateDir: string): Promise<void> {
  const cp = readControlPlane(stateDir);
  if (cp) await killProcesses(cp);
  rmSync(stateDir, { recursive: true, force: true });
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion. Never throws on a non-zero exit: callers look at code/stdout/stderr. */
export function runCommand(file: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {}): Promise<CommandResult> {
  return new Promise((resolvePromise) => {
    const child = execFile(file, args, { env: { ...process.env, ...opts.env }, maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 120_000, ...(opts.cwd ? { cwd: opts.cwd } : {}) }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolvePromise({ code, stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** The built kubectl against this control plane (admin unless another kubeconfig is given). */
export function kubectl(cp: ControlPlane, args: string[], opts: { kubeconfig?: string; input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CommandResult> {
  return runCommand(cp.kubectl, ['--kubeconfig', opts.kubeconfig ?? cp.kubeconfig, ...args], {
    input: opts.input,
    env: { HOME: join(cp.stateDir, 'home'), ...opts.env },
  });
}
