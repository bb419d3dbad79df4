// `make run` (foreground, Ctrl-C stops everything), `make up` (background, writes .run/env), `make down`.
// node dist/apiservice/local/run.js run|up|down --bin DIR [--state .run]
// A real platform instead of the emulator: VVP_URL + VVP_SERVER_TOKEN (+ VVP_TOKEN, VVP_NAMESPACES, INSTANCE_ID) in
// the environment. The instance id is `local` unless INSTANCE_ID says otherwise; on VVP 3 the server's token must be
// bound to that operator instance, or the platform refuses every write to a managed deployment.
// --platforms N (make run PLATFORMS=2): N emulators, each its own platform instance, served through a platforms file.
// --node-bin DIR (make run WITH_NODE=1): a kubelet + containerd node too (tools/cluster/node.ts), stopped with the rest.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import yaml from 'js-yaml';
import { parseArgs } from 'node:util';
import { isAlive, kubectl } from '../../tools/cluster/control-plane.js';
import { readStack, startStack, stopStack, type Stack } from './stack.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    state: { type: 'string', default: '.run' }, bin: { type: 'string' }, timings: { type: 'string', default: 'realistic' },
    platforms: { type: 'string', default: '1' }, 'node-bin': { type: 'string' },
  },
});
const command = positionals[0];
const stateDir = resolve(values.state);
const log = (line: string) => console.error(`[run] ${line}`);

function banner(stack: Stack): string {
  return [
    '',
    `The product is up: kube-apiserver ${stack.controlPlane.server}, server ${stack.serverUrl}, platform ${stack.vvpUrl}`,
    '',
    'Paste this into your shell:',
    `  export KUBECONFIG=${stack.kubeconfig}`,
    `  alias kubectl=${stack.kubectl}`,
    '',
    `This installation's instance id is "${stack.instanceId}" (INSTANCE_ID in ${join(stateDir, 'env')}): a manifest copied from`,
    `the VVP 3 docs needs the label ververica.platform/owner: ${stack.instanceId} (or none at all).`,
    '',
    'Then try:',
    '  kubectl get vvpdeployments -A',
    '  kubectl patch vvpdeployment traffic-speeds --type=merge -p \'{"spec":{"deployment":{"spec":{"state":"RUNNING"}}}}\'',
    '  kubectl get vvpdeployment traffic-speeds -w',
    '',
    ...(stack.platforms.length > 1 ? [
      `Platform instances (the ververica.platform/owner label of each object names one): ${stack.platforms.map((p) => `${p.instanceId} ${p.url}`).join(', ')}`,
      '  kubectl get vvpdeployments -A -o wide      # the PLATFORM column',
      '',
    ] : []),
    ...(stack.node ? [
      `A node, ${stack.node.name}, runs Pods (kubelet, containerd ${stack.node.containerdSocket}); no registry is reachable here, so`,
      `images are imported: ${join(stack.node.binDir, 'ctr')} -a ${stack.node.containerdSocket} -n k8s.io images import IMAGE.tar`,
      '',
    ] : []),
    `Logs: ${stack.logs.server}${stack.logs.emulator ? `, ${stack.logs.emulator}` : ''}; environment: ${join(stateDir, 'env')}`,
  ].join('\n');
}

async function start(signal?: AbortSignal): Promise<Stack> {
  if (!values.bin) throw new Error('--bin DIR (the built Kubernetes binaries) is required');
  const realPlatform = process.env.VVP_URL && process.env.VVP_SERVER_TOKEN
    ? { url: process.env.VVP_URL, serverToken: process.env.VVP_SERVER_TOKEN, userToken: process.env.VVP_TOKEN ?? process.env.VVP_SERVER_TOKEN }
    : undefined;
  const stack = await startStack({
    stateDir, binDir: resolve(values.bin), log, platform: realPlatform, instanceId: process.env.INSTANCE_ID || undefined,
    vvpNamespaces: process.env.VVP_NAMESPACES?.split(','),
    emulatorArgs: ['--timings', values.timings],
    platforms: Number(values.platforms), signal,
    nodeBinDir: values['node-bin'] ? resolve(values['node-bin']) : undefined,
  });
  // The quick start's user (the control plane's admin) may use every platform namespace, target and session
  // cluster, as a platform team would bind a tenant (README "Tenancy").
  const binding = `${stack.release}:platform-all:local-user`;
  const bound = await kubectl(stack.controlPlane, ['create', 'clusterrolebinding', binding, `--clusterrole=${stack.release}:platform-all`, '--user=admin']);
  if (bound.code !== 0 && !/already exists/.test(bound.stderr)) throw new Error(`binding the local user failed: ${bound.stderr}`);
  if (!realPlatform && stack.platforms.length > 1) await applyExamples(stack);
  else if (!realPlatform) {
    log('applying examples/traffic-speeds.yaml');
    const applied = await kubectl(stack.controlPlane, ['apply', '-f', 'examples/traffic-speeds.yaml']);
    if (applied.code !== 0) throw new Error(`applying the example failed: ${applied.stderr}`);
  }
  return stack;
}

/** With several instances: the example once per instance, each copy with its owner label (traffic-speeds, traffic-speeds-2, …). */
async function applyExamples(stack: Stack): Promise<void> {
  const example = yaml.load(readFileSync('examples/traffic-speeds.yaml', 'utf8')) as { metadata: { name: string; labels?: Record<string, string> } };
  for (const [i, p] of stack.platforms.entries()) {
    const copy = structuredClone(example);
    if (i > 0) copy.metadata.name = `${example.metadata.name}-${i + 1}`;
    copy.metadata.labels = { ...copy.metadata.labels, 'ververica.platform/owner': p.instanceId };
    log(`applying examples/traffic-speeds.yaml as ${copy.metadata.name} on instance ${p.instanceId}`);
    const applied = await kubectl(stack.controlPlane, ['apply', '-f', '-'], { input: JSON.stringify(copy) });
    if (applied.code !== 0) throw new Error(`applying the example failed: ${applied.stderr}`);
  }
}

/**
 * `make run`: the stack in the foreground. Its processes are detached (so `make up` can leave them), so the terminal's
 * Ctrl-C reaches only this process: it stops them. A signal listener keeps no handle alive, so a watch over the
 * stack's processes does — and ends the run if one of them dies.
 */
async function runInForeground(): Promise<void> {
  const existing = readStack(stateDir);
  if (existing && isAlive(existing.pids.server)) {
    log(`a stack is already running in ${stateDir} (make up?): make down stops it, or use it as it is (${join(stateDir, 'env')})`);
    process.exitCode = 1;
    return;
  }
  const abort = new AbortController();
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log(`${signal}: already stopping, please wait`);
      return;
    }
    stopping = true;
    log(`${signal}: stopping everything this started`);
    abort.abort(new Error(`stopped by ${signal} while starting`));
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);

  let stack: Stack;
  try {
    stack = await start(abort.signal);
  } catch (err) {
    if (!abort.signal.aborted) throw err;
    log('stopped; nothing of this run is left');
    return;
  }
  if (!abort.signal.aborted) {
    console.log(banner(stack));
    console.log('\nPress Ctrl-C to stop everything this started.');
  }
  const died = abort.signal.aborted ? undefined : await new Promise<string | undefined>((done) => {
    const processes = stackProcesses(stack);
    const watch = setInterval(() => {
      const gone = processes.find((p) => !isAlive(p.pid));
      if (gone) finish(`${gone.name} (pid ${gone.pid}) exited; see ${gone.log}`);
    }, 1000);
    const finish = (why: string | undefined) => {
      clearInterval(watch);
      done(why);
    };
    abort.signal.addEventListener('abort', () => finish(undefined), { once: true });
  });
  if (died) {
    stopping = true;
    log(`${died}: stopping everything this started`);
    process.exitCode = 1;
  }
  await stopStack(stateDir);
  log('stopped; nothing of this run is left');
}

/** Every long-running process of the stack, with the log that says why it ended. */
function stackProcesses(stack: Stack): { name: string; pid: number | undefined; log: string }[] {
  const cp = stack.controlPlane;
  return [
    { name: 'the server', pid: stack.pids.server, log: stack.logs.server },
    ...stack.platforms.map((p, i) => ({ name: `emulator ${i + 1}`, pid: p.pid, log: p.log ?? '' })).filter((p) => p.pid !== undefined),
    { name: 'etcd', pid: cp.pids.etcd, log: cp.logs.etcd },
    { name: 'kube-apiserver', pid: cp.pids.apiserver, log: cp.logs.apiserver },
    { name: 'kube-controller-manager', pid: cp.pids.controllerManager, log: cp.logs.controllerManager },
    ...(stack.node ? [
      { name: 'containerd', pid: stack.node.pids.containerd, log: stack.node.logs.containerd },
      { name: 'kubelet', pid: stack.node.pids.kubelet, log: stack.node.logs.kubelet },
      { name: 'kube-scheduler', pid: stack.node.pids.scheduler, log: stack.node.logs.scheduler },
    ] : []),
  ];
}

try {
  if (command === 'up') {
    console.log(banner(await start()));
  } else if (command === 'run') {
    await runInForeground();
  } else if (command === 'down') {
    await stopStack(stateDir);
    log(`stopped; removed ${stateDir}`);
  } else {
    console.error('usage: run.js run|up|down --bin DIR [--state DIR]');
    process.exitCode = 2;
  }
} catch (err) {
  log((err as Error).message);
  if (command !== 'down') {
    log('stopping what was started');
    await stopStack(stateDir);
  }
  process.exitCode = 1;
}
