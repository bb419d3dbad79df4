// The product for end-to-end tests: on the shared control plane, a release of the Helm chart with its own API
// group, its own emulator and its own server (the image's entrypoint command), so test files run side by side.
// Everything it starts is stopped when the test file ends; the server's log is printed if the file failed.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { startStack, stopStack, type Stack, type StackOptions } from '../../apiservice/local/stack.js';
import { kubectl, tail } from '../../tools/cluster/control-plane.js';
import { printLogsOnFailure, testControlPlane } from './cluster.js';
import { eventually } from './eventually.js';
import type { Json } from './hostile.js';

export interface ProductOptions extends Partial<Pick<StackOptions, 'instanceId' | 'vvpNamespaces' | 'emulatorArgs' | 'serverArgs' | 'platforms' | 'adoptFrom'>> {
  /** A short name, unique among the test files: it names the API group, the release and its namespace. */
  name: string;
  /** Serve the real group ververica.platform (only one test file may). */
  realGroup?: boolean;
}

export async function startProduct(opts: ProductOptions): Promise<Stack> {
  const cp = await testControlPlane();
  printLogsOnFailure(cp);
  const binDir = process.env.K8S_BIN_DIR;
  if (!binDir) throw new Error('K8S_BIN_DIR is not set (make test sets it)');
  const stateDir = join(mkdtempSync(join(tmpdir(), `vvp-${opts.name}-`)), 'stack');
  const stack = await startStack({
    stateDir, binDir, controlPlane: cp,
    apiGroup: opts.realGroup ? 'ververica.platform' : `${opts.name}.e2e.ververica.platform`,
    release: `vvp-${opts.name}`, namespace: `vvp-${opts.name}`,
    instanceId: opts.instanceId ?? `e2e-${opts.name}`,
    vvpNamespaces: opts.vvpNamespaces, platforms: opts.platforms, adoptFrom: opts.adoptFrom, emulatorArgs: ['--timings', 'fast', ...(opts.emulatorArgs ?? [])], serverArgs: opts.serverArgs,
  }).catch(async (err: unknown) => {
    console.error(`--- server log (tail) ---\n${tail(join(stateDir, 'server.log'), 80)}`);
    await stopStack(stateDir);
    throw err;
  });
  t.teardown(async () => {
    if (!t.passing()) {
      console.error(`--- server log (tail) ---\n${tail(stack.logs.server, 80)}`);
      if (stack.logs.emulator) console.error(`--- emulator log (tail) ---\n${tail(stack.logs.emulator, 30)}`);
    }
    await stopStack(stateDir);
  });
  return stack;
}

/** What an e2e file works with: its product, its Kubernetes namespace, and the helpers every file uses on them. */
export interface Scenario {
  stack: Stack;
  cp: Stack['controlPlane'];
  /** The Kubernetes namespace of the file's objects, named after the scenario; created before scenario() returns. */
  ns: string;
  /** `vvpdeployments.<group>`, for kubectl. */
  resource: string;
  /** The namespace's vvpdeployments collection path, for raw requests. */
  collection: string;
  k: ReturnType<typeof kubectlFor>;
  platform: ReturnType<typeof platformApi>;
  manifest: ReturnType<typeof vvpDeploymentManifests>;
}

/** The product of one test file (startProduct, named `name`) with a Kubernetes namespace of the same name. */
export async function scenario(name: string, opts: Omit<ProductOptions, 'name'> = {}): Promise<Scenario> {
  const stack = await startProduct({ ...opts, name });
  const k = kubectlFor(stack);
  // Created here, not in a t.before: tap runs a before at once and, once it settles with no test queued yet, ends
  // the file's root test while the file still awaits its own setup ("cannot create subtest after parent test ends").
  const created = await k(['create', 'namespace', name]);
  if (created.code !== 0 && !/AlreadyExists|already exists/.test(created.stderr)) throw new Error(`kubectl create namespace ${name}: ${created.stderr}`);
  return {
    stack, cp: stack.controlPlane, ns: name, resource: `vvpdeployments.${stack.apiGroup}`,
    collection: `/apis/${stack.apiGroup}/v1/namespaces/${name}/vvpdeployments`,
    k, platform: platformApi(stack), manifest: vvpDeploymentManifests(stack, name),
  };
}

/** kubectl as the admin on the stack's control plane; `input`, if given, goes to its stdin. */
export function kubectlFor(stack: Pick<Stack, 'controlPlane'>) {
  return (args: string[], input?: string) => kubectl(stack.controlPlane, args, input === undefined ? {} : { input });
}

/**
 * `kubectl explain <args>` once kube-apiserver publishes the aggregated server's OpenAPI for it: the aggregator
 * fetches and refreshes that document in the background, so its root can list the group before the group's document
 * holds the kind (on a loaded machine, seconds after the APIService is Available). Waits for the explain itself.
 */
export async function explained(k: ReturnType<typeof kubectlFor>, args: string[]): Promise<Awaited<ReturnType<typeof kubectl>>> {
  let last: Awaited<ReturnType<typeof kubectl>> | undefined;
  try {
    return await eventually(`kubectl explain ${args.join(' ')} succeeds`, async () => {
      last = await k(['explain', ...args]);
      return last.code === 0 && last;
    }, 90_000);
  } catch {
    return last!;
  }
}

export interface PlatformAnswer<T> {
  status: number;
  body: T;
}

/** Calls the platform (the emulator) directly, as its user — to check or change the platform side of a scenario. */
export function platformApi(stack: Stack) {
  return async function platform<T = unknown>(method: string, path: string, body?: unknown): Promise<PlatformAnswer<T>> {
    const res = await fetch(`${stack.vvpUrl}${path}`, body === undefined
      ? { method, headers: { authorization: `Bearer ${stack.vvpToken}` } }
      : { method, headers: { authorization: `Bearer ${stack.vvpToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
}

export interface VvpDeploymentOptions {
  /** The platform Deployment's desired state; CANCELLED unless said. */
  state?: 'RUNNING' | 'CANCELLED' | 'SUSPENDED';
  /** The job's parallelism; 1 unless said. */
  parallelism?: number;
  /** PATCH unless said. */
  syncingMode?: 'PATCH' | 'PUT';
  /** Labels of the object; none unless said. */
  labels?: Record<string, string>;
  /** More fields of the VvpDeployment's spec (deletionPolicy, initFields, …), after syncingMode and deployment. */
  spec?: Record<string, Json>;
  /** More fields of the platform Deployment's spec (restoreStrategy, …), after state, target and template. */
  deploymentSpec?: Record<string, Json>;
}

/**
 * A maker of VvpDeployment manifests in one namespace of the stack's API group: by default a CANCELLED deployment of the
 * TopSpeedWindowing example jar on target `default`, parallelism 1, syncingMode PATCH.
 */
export function vvpDeploymentManifests(stack: Pick<Stack, 'apiGroup'>, namespace: string) {
  return (name: string, opts: VvpDeploymentOptions = {}) => ({
    apiVersion: `${stack.apiGroup}/v1`, kind: 'VvpDeployment', metadata: { name, namespace, ...(opts.labels ? { labels: opts.labels } : {}) },
    spec: {
      syncingMode: opts.syncingMode ?? 'PATCH',
      deployment: {
        spec: {
          state: opts.state ?? 'CANCELLED', deploymentTargetName: 'default',
          template: { spec: { artifact: { kind: 'JAR', jarUri: 'file:///flink/examples/streaming/TopSpeedWindowing.jar' }, parallelism: opts.parallelism ?? 1 } },
          ...opts.deploymentSpec,
        },
      },
      ...opts.spec,
    },
  });
}
