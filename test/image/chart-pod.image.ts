// The image built from the Dockerfile, run as the chart's Pod spec says, by runc: the container's args, env,
// security context (user, read-only root filesystem, no capabilities) and volume mounts come from the Deployment
// that `helm install` created; the Secrets and ConfigMaps it mounts are written where the mounts say; the service
// account token, CA and KUBERNETES_SERVICE_* are what kubelet gives a Pod (host network: no kubelet runs here yet).
// The stack's own server process is stopped and the container takes its port, so the APIService is served by the
// image: discovery and the everyday verbs go through it. Opt-in (`make image-test`, a name outside the suite's
// *.test.js): needs root,
// buildah and runc, and tools/image/build.sh's image (IMAGE, default localhost/vvp-apiserver:dev).
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { stopProcesses } from '../../apiservice/local/stack.js';
import { isAlive, kubectl, runCommand } from '../../tools/cluster/control-plane.js';
import { eventually } from '../support/eventually.js';
import { startProduct, vvpDeploymentManifests } from '../support/product.js';

interface Container {
  args: string[];
  env?: { name: string; value: string }[];
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
  securityContext: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; capabilities?: { drop?: string[] } };
}
interface Volume {
  name: string;
  secret?: { secretName: string; items?: { key: string; path: string }[] };
  configMap?: { name: string; items?: { key: string; path: string }[] };
  emptyDir?: object;
}
interface PodSpec { securityContext: { runAsUser: number; runAsGroup: number }; containers: Container[]; volumes: Volume[] }

const image = process.env.IMAGE ?? 'localhost/vvp-apiserver:dev';
const stack = await startProduct({ name: 'image' });
const cp = stack.controlPlane;
const work = mkdtempSync(join(tmpdir(), 'vvp-image-pod-'));
const containerId = `vvp-image-pod-${process.pid}`;

const deployment = JSON.parse((await kubectl(cp, ['get', 'deployment', stack.release, '-n', stack.namespace, '-o', 'json'])).stdout) as { spec: { template: { spec: PodSpec } } };
const pod = deployment.spec.template.spec;
const container = pod.containers[0]!;

/** A volume's files as kubelet would project them: every key, or the listed items. */
async function materialize(volume: Volume): Promise<string | undefined> {
  const source = volume.secret ? { kind: 'secret', name: volume.secret.secretName, items: volume.secret.items }
    : volume.configMap ? { kind: 'configmap', name: volume.configMap.name, items: volume.configMap.items } : undefined;
  if (!source) return undefined;
  const got = JSON.parse((await kubectl(cp, ['get', source.kind, source.name, '-n', stack.namespace, '-o', 'json'])).stdout) as { data: Record<string, string> };
  const dir = join(work, 'volumes', volume.name);
  mkdirSync(dir, { recursive: true });
  const decode = (v: string) => (source.kind === 'secret' ? Buffer.from(v, 'base64') : Buffer.from(v));
  for (const { key, path } of source.items ?? Object.keys(got.data).map((key) => ({ key, path: key }))) writeFileSync(join(dir, path), decode(got.data[key]!));
  // Secret volumes are readable by the Pod's user (kubelet's default mode 0644).
  chmodSync(dir, 0o755);
  return dir;
}

t.before(async () => {
  const built = await runCommand('buildah', ['inspect', '--type', 'image', image]);
  if (built.code !== 0) throw new Error(`${image} is not built: tools/image/build.sh (${built.stderr})`);
});
t.teardown(async () => {
  await runCommand('runc', ['delete', '--force', containerId]);
  await runCommand('buildah', ['rm', containerId]);
  rmSync(work, { recursive: true, force: true });
});

t.test('the image runs as the chart\'s Pod spec and serves the APIService', async (t) => {
  // The root filesystem of the image, read-only as the chart demands.
  const from = await runCommand('buildah', ['from', '--name', containerId, image]);
  t.equal(from.code, 0, from.stderr);
  const rootfs = (await runCommand('buildah', ['mount', containerId])).stdout.trim();

  const mounts: object[] = [];
  for (const mount of container.volumeMounts) {
    const volume = pod.volumes.find((v) => v.name === mount.name)!;
    if (volume.emptyDir) {
      mounts.push({ destination: mount.mountPath, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777'] });
      continue;
    }
    const dir = await materialize(volume);
    t.ok(dir, `volume ${mount.name} is a Secret or ConfigMap`);
    mounts.push({ destination: mount.mountPath, type: 'bind', source: dir, options: ['rbind', mount.readOnly ? 'ro' : 'rw'] });
  }
  // What kubelet projects into every Pod: its ServiceAccount's token, the cluster CA, the namespace.
  const sa = join(work, 'serviceaccount');
  mkdirSync(sa, { recursive: true });
  const token = await kubectl(cp, ['create', 'token', stack.release, '-n', stack.namespace, '--duration=1h']);
  writeFileSync(join(sa, 'token'), token.stdout.trim());
  writeFileSync(join(sa, 'ca.crt'), cp.clusterCa.certPem);
  writeFileSync(join(sa, 'namespace'), stack.namespace);
  chmodSync(sa, 0o755);
  mounts.push({ destination: '/var/run/secrets/kubernetes.io/serviceaccount', type: 'bind', source: sa, options: ['rbind', 'ro'] });

  // The APIService's Service points at the stack's server port: the container takes it over (host network).
  const port = new URL(stack.serverUrl).port;
  await stopProcesses([stack.pids.server]);
  const args = container.args.map((a) => (a.startsWith('--secure-port=') ? `--secure-port=${port}` : a));
  const apiserver = new URL(cp.server);
  const spec = (await runCommand('runc', ['spec'], { cwd: work })).code;
  t.equal(spec, 0, 'runc spec');
  const config = JSON.parse(readFileSync(join(work, 'config.json'), 'utf8')) as {
    root: object; hostname?: string; mounts: object[];
    process: { terminal: boolean; user: object; args: string[]; env: string[]; cwd: string; capabilities: Record<string, string[]>; noNewPrivileges: boolean };
    linux: { namespaces: { type: string }[] };
  };
  const imageConfig = (JSON.parse((await runCommand('buildah', ['inspect', '--type', 'image', image])).stdout) as { OCIv1: { config: { Entrypoint: string[]; Env: string[]; WorkingDir: string } } }).OCIv1.config;
  config.root = { path: rootfs, readonly: container.securityContext.readOnlyRootFilesystem === true };
  config.process.terminal = false;
  config.process.user = { uid: pod.securityContext.runAsUser, gid: pod.securityContext.runAsGroup };
  config.process.args = [...imageConfig.Entrypoint, ...args];
  config.process.cwd = imageConfig.WorkingDir;
  config.process.env = [...imageConfig.Env, ...(container.env ?? []).map((e) => `${e.name}=${e.value}`),
    `KUBERNETES_SERVICE_HOST=${apiserver.hostname}`, `KUBERNETES_SERVICE_PORT=${apiserver.port}`];
  config.process.noNewPrivileges = container.securityContext.allowPrivilegeEscalation === false;
  if (container.securityContext.capabilities?.drop?.includes('ALL')) config.process.capabilities = { bounding: [], effective: [], permitted: [], ambient: [] };
  config.mounts.push(...mounts);
  config.linux.namespaces = config.linux.namespaces.filter((n) => n.type !== 'network');
  writeFileSync(join(work, 'config.json'), JSON.stringify(config));
  const log = join(work, 'container.log');
  const started = await runCommand('bash', ['-c', `runc run --detach --pid-file ${join(work, 'pid')} ${containerId} >${log} 2>&1 </dev/null`], { cwd: work });
  t.equal(started.code, 0, `runc run: ${started.stderr}${readFileSync(log, 'utf8')}`);
  const pid = Number(readFileSync(join(work, 'pid'), 'utf8'));
  t.ok(isAlive(pid), 'the container runs');

  // The APIService stays Available across the swap (kube-apiserver only notices a backend that fails): what shows
  // the container serves is kube-apiserver proxying the group's discovery to it, and kubectl finding the kind.
  await eventually('kube-apiserver proxying discovery to the container', async () => {
    if (!isAlive(pid)) throw new Error(`the container exited:\n${readFileSync(log, 'utf8')}`);
    const raw = await kubectl(cp, ['get', '--raw', `/apis/${stack.apiGroup}/v1`]);
    if (raw.code !== 0) throw new Error(raw.stderr);
    const found = await kubectl(cp, ['api-resources', `--api-group=${stack.apiGroup}`, '-o', 'name']);
    return found.stdout.includes(`vvpdeployments.${stack.apiGroup}`);
  }, 180_000);
  const proc = readFileSync(`/proc/${pid}/status`, 'utf8');
  t.match(proc, /^Uid:\s+1000\s+1000\s+1000\s+1000$/m, 'the server runs as user 1000');
  t.match(proc, /^CapEff:\s+0+$/m, 'with no capabilities');
  const writable = await runCommand('runc', ['exec', containerId, 'node', '-e', 'try { require("fs").writeFileSync("/app/x", "y"); console.log("written") } catch (e) { console.log(e.code) }']);
  t.equal(writable.stdout.trim(), 'EROFS', 'the root filesystem is read-only');

  // The everyday verbs through kube-apiserver, the APIService, and the container.
  const ns = 'image-pod';
  await kubectl(cp, ['create', 'namespace', ns]);
  const resource = `vvpdeployments.${stack.apiGroup}`;
  const manifest = vvpDeploymentManifests(stack, ns)('from-the-image');
  const created = await kubectl(cp, ['create', '-f', '-'], { input: JSON.stringify(manifest) });
  t.equal(created.code, 0, created.code === 0 ? 'create' : `create: ${created.stderr}\n${readFileSync(log, 'utf8').slice(-3000)}`);
  const got = await kubectl(cp, ['get', resource, 'from-the-image', '-n', ns, '-o', 'jsonpath={.metadata.name}']);
  t.equal(got.stdout, 'from-the-image', `get: ${got.stderr}`);
  const patched = await kubectl(cp, ['patch', resource, 'from-the-image', '-n', ns, '--type=merge', '-p', '{"metadata":{"labels":{"team":"a"}}}']);
  t.equal(patched.code, 0, `patch: ${patched.stderr}`);
  const listed = await kubectl(cp, ['get', resource, '-n', ns, '-l', 'team=a', '-o', 'name']);
  t.match(listed.stdout, /from-the-image/, `list with a label selector: ${listed.stderr}`);
  const deleted = await kubectl(cp, ['delete', resource, 'from-the-image', '-n', ns, '--wait=true', '--timeout=120s']);
  t.equal(deleted.code, 0, `delete: ${deleted.stderr}`);
});
