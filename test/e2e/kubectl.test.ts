// The generic API, as a Kubernetes user meets it: the built kubectl through the real kube-apiserver, the
// aggregated server, and the emulator behind it. Each step is one thing a user does.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { kubectl, userKubeconfig } from '../../tools/cluster/control-plane.js';
import { explained, scenario } from '../support/product.js';
import { restartServer, stopProcesses } from '../../apiservice/local/stack.js';

const { stack, cp, ns, resource, k, platform, manifest: vvpDeployment } = await scenario('verbs');

async function platformWrites(): Promise<number> {
  return (await platform<{ writes: number }>('GET', '/__emulator/requests')).body.writes;
}

/** Every object of this file is labelled app=<its name>. */
const manifest = (name: string, parallelism = 1) => vvpDeployment(name, { parallelism, labels: { app: name } });

t.test('discovery: api-resources lists vvpdeployments and the APIService is Available', async (t) => {
  const res = await k(['api-resources', '--api-group', stack.apiGroup]);
  t.equal(res.code, 0, res.stderr);
  t.match(res.stdout, new RegExp(`vvpdeployments\\s+\\S+\\s+${stack.apiGroup.replace(/\./g, '\\.')}/v1\\s+true\\s+VvpDeployment`));
  const available = await k(['get', 'apiservice', `v1.${stack.apiGroup}`, '-o', 'jsonpath={.status.conditions[?(@.type=="Available")].status}']);
  t.equal(available.stdout, 'True');
});

t.test('explain teaches the fields from the OpenAPI schema', async (t) => {
  const res = await explained(k, [`${resource}.spec.deployment`]);
  t.equal(res.code, 0, res.stderr);
  t.match(res.stdout, /KIND:\s+VvpDeployment/);
  t.match(res.stdout, /metadata/);
  t.match(res.stdout, /spec/);
  const mode = await k(['explain', `${resource}.spec.syncingMode`]);
  t.match(mode.stdout, /PATCH|PUT/, 'syncingMode is described');
  const artifact = await k(['explain', `${resource}.spec.deployment.spec.template.spec.artifact`]);
  t.equal(artifact.code, 0, artifact.stderr);
  t.match(artifact.stdout, /pythonArtifactUri/, 'the platform Deployment spec is described down to the artifact');
});

t.test('an unknown platform field: passed to the platform as written with a warning naming it; the platform judges it', async (t) => {
  const m = manifest('strictness');
  (m.spec.deployment.spec.template.spec as Record<string, unknown>).paralelism = 2;
  const kept = await k(['create', '--validate=strict', '-f', '-'], JSON.stringify(m));
  t.equal(kept.code, 0, kept.stderr);
  t.match(kept.stderr, /unknown field "spec\.deployment\.spec\.template\.spec\.paralelism": not in this server's schema; passed to Ververica Platform as written/);
  const live = await k(['get', resource, 'strictness', '-n', ns, '-o', 'jsonpath={.spec.deployment.spec.template.spec.paralelism}']);
  t.equal(live.stdout, '2', 'kept in the object');
  const onPlatform = await platform<{ spec: { template: { spec: Record<string, unknown> } } }>('GET', '/api/v1/namespaces/default/deployments/strictness');
  t.equal(onPlatform.body.spec.template.spec.paralelism, 2, 'and on the platform, as written');
  // A platform that knows no such field refuses it: the user gets its 400 naming the field, and nothing is created.
  t.equal((await platform('PUT', '/__emulator/unknown-fields', { mode: 'refuse' })).status, 200);
  t.teardown(() => platform('PUT', '/__emulator/unknown-fields', { mode: 'keep' }));
  const refused = await k(['create', '-f', '-'], JSON.stringify(manifest('strictness-refused', 1)).replace('"parallelism":1', '"parallelism":1,"paralelism":2'));
  t.not(refused.code, 0);
  t.match(refused.stderr, /spec\.deployment\.spec\.template\.spec\.paralelism: Ververica Platform: unknown field/, 'a 422 at the field, in the platform\'s words');
  t.equal((await platform('GET', '/api/v1/namespaces/default/deployments/strictness-refused')).status, 404, 'no platform deployment');
  t.not((await k(['get', resource, 'strictness-refused', '-n', ns])).code, 0, 'not created');
  await k(['delete', resource, 'strictness', '-n', ns, '--wait=false']);
});

t.test('create, get as a table and as YAML, list across namespaces', async (t) => {
  const created = await k(['create', '-f', '-'], JSON.stringify(manifest('alpha')));
  t.equal(created.code, 0, created.stderr);
  const table = await k(['get', resource, '-n', ns]);
  t.equal(table.code, 0, table.stderr);
  t.match(table.stdout, /NAME\s+STATE\s+STATUS\s+HEALTHY\s+JOB\s+PARALLELISM\s+AGE/);
  t.match(table.stdout, /alpha\s+CANCELLED/);
  const yaml = await k(['get', resource, 'alpha', '-n', ns, '-o', 'json']);
  const obj = JSON.parse(yaml.stdout) as { metadata: { uid: string; resourceVersion: string }; status: { deploymentId: string } };
  t.ok(obj.metadata.uid, 'uid');
  t.equal(obj.status.deploymentId, obj.metadata.uid, 'the uid is the platform deployment id');
  const all = await k(['get', resource, '-A']);
  t.match(all.stdout, /NAMESPACE\s+NAME/);
  t.match(all.stdout, new RegExp(`${ns}\\s+alpha`));
});

t.test('create with generateName: the server names the object, and the platform deployment after it', async (t) => {
  const m = manifest('unnamed');
  const { name: _name, ...metadata } = m.metadata;
  const created = await k(['create', '-o', 'json', '-f', '-'], JSON.stringify({ ...m, metadata: { ...metadata, generateName: 'speed-' } }));
  t.equal(created.code, 0, created.stderr);
  const o = JSON.parse(created.stdout) as { metadata: { name: string }; spec: { deployment: { metadata?: { name?: string } } } };
  t.match(o.metadata.name, /^speed-[a-z0-9]{5}$/);
  t.equal(o.spec.deployment.metadata?.name, o.metadata.name);
  await k(['delete', resource, o.metadata.name, '-n', ns, '--wait=false']);
});

t.test('apply twice with a change, then diff without a platform write', async (t) => {
  const first = await k(['apply', '-f', '-'], JSON.stringify(manifest('beta', 1)));
  t.equal(first.code, 0, first.stderr);
  const second = await k(['apply', '-f', '-'], JSON.stringify(manifest('beta', 3)));
  t.equal(second.code, 0, second.stderr);
  t.match(second.stdout, /configured/);
  const got = await k(['get', resource, 'beta', '-n', ns, '-o', 'jsonpath={.spec.deployment.spec.template.spec.parallelism}']);
  t.equal(got.stdout, '3');
  const before = await platformWrites();
  const diff = await k(['diff', '-f', '-'], JSON.stringify(manifest('beta', 5)));
  t.equal(diff.code, 1, `diff exits 1 when there is a difference: ${diff.stderr}`);
  t.match(diff.stdout, /parallelism: 5/);
  t.equal(await platformWrites(), before, 'kubectl diff (dryRun=All) wrote nothing to the platform');
});

t.test('server-side apply: a conflict with another manager, then --force-conflicts', async (t) => {
  const mine = await k(['apply', '--server-side', '--field-manager=alice', '-f', '-'], JSON.stringify(manifest('gamma', 2)));
  t.equal(mine.code, 0, mine.stderr);
  const theirs = await k(['apply', '--server-side', '--field-manager=bob', '-f', '-'], JSON.stringify(manifest('gamma', 4)));
  t.not(theirs.code, 0, 'a conflicting apply is refused');
  t.match(theirs.stderr, /conflict/i);
  const forced = await k(['apply', '--server-side', '--field-manager=bob', '--force-conflicts', '-f', '-'], JSON.stringify(manifest('gamma', 4)));
  t.equal(forced.code, 0, forced.stderr);
  const got = await k(['get', resource, 'gamma', '-n', ns, '-o', 'json', '--show-managed-fields']);
  const obj = JSON.parse(got.stdout) as { spec: { deployment: { spec: { template: { spec: { parallelism: number } } } } }; metadata: { managedFields: { manager: string }[] } };
  t.equal(obj.spec.deployment.spec.template.spec.parallelism, 4);
  t.ok(obj.metadata.managedFields.some((f) => f.manager === 'bob'), 'bob owns fields now');
});

t.test('patch with json-patch and merge-patch', async (t) => {
  const json = await k(['patch', resource, 'alpha', '-n', ns, '--type=json', '-p', '[{"op":"replace","path":"/spec/deployment/spec/template/spec/parallelism","value":6}]']);
  t.equal(json.code, 0, json.stderr);
  const merge = await k(['patch', resource, 'alpha', '-n', ns, '--type=merge', '-p', '{"metadata":{"labels":{"tier":"gold"}}}']);
  t.equal(merge.code, 0, merge.stderr);
  const got = await k(['get', resource, 'alpha', '-n', ns, '-o', 'json']);
  const obj = JSON.parse(got.stdout) as { metadata: { labels: Record<string, string> }; spec: { deployment: { spec: { template: { spec: { parallelism: number } } } } } };
  t.equal(obj.spec.deployment.spec.template.spec.parallelism, 6);
  t.equal(obj.metadata.labels.tier, 'gold');
  const strategic = await k(['patch', resource, 'alpha', '-n', ns, '--type=strategic', '-p', '{"metadata":{"labels":{"x":"y"}}}']);
  t.not(strategic.code, 0, 'strategic merge patch is not supported');
  t.match(strategic.stderr, /UnsupportedMediaType|not supported|415/);
});

t.test('edit with a scripted editor', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'editor-'));
  const editor = join(dir, 'editor.sh');
  writeFileSync(editor, '#!/bin/sh\nsed -i "s/parallelism: 6/parallelism: 7/" "$1"\n');
  chmodSync(editor, 0o755);
  const edited = await kubectl(cp, ['edit', resource, 'alpha', '-n', ns, '-o', 'yaml'], { env: { KUBE_EDITOR: editor } });
  t.equal(edited.code, 0, edited.stderr);
  const got = await k(['get', resource, 'alpha', '-n', ns, '-o', 'jsonpath={.spec.deployment.spec.template.spec.parallelism}']);
  t.equal(got.stdout, '7');
});

t.test('get -w sees a platform-side change', async (t) => {
  const watch = spawn(cp.kubectl, ['--kubeconfig', cp.kubeconfig, 'get', resource, 'alpha', '-n', ns, '-w', '-o', 'jsonpath={.status.state}{"\\n"}'],
    { env: { ...process.env, HOME: join(cp.stateDir, 'home') } });
  let seen = '';
  const sawChange = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 30_000);
    watch.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (/RUNNING|TRANSITIONING/.test(seen)) {
        clearTimeout(timer);
        resolve(true);
      }
    });
  });
  t.teardown(() => {
    watch.kill();
  });
  await new Promise((r) => setTimeout(r, 1500));
  const d = await k(['get', resource, 'alpha', '-n', ns, '-o', 'json']);
  const obj = JSON.parse(d.stdout) as { spec: { deployment: { metadata: { name: string; namespace: string } } } };
  const { name, namespace } = obj.spec.deployment.metadata;
  // A platform-side edit through the emulator's admin API (write protection keeps ordinary tokens out).
  const edit = await platform('PATCH', `/__emulator/namespaces/${namespace}/deployments/${name}`, { spec: { state: 'RUNNING' } });
  t.equal(edit.status, 200, JSON.stringify(edit.body));
  t.ok(await sawChange, `the watch saw the platform move: ${JSON.stringify(seen)}`);
});

t.test('watches through kube-apiserver: PartialObjectMetadata, and 410 for a resourceVersion that is too old', async (t) => {
  const base = `/apis/${stack.apiGroup}/v1/namespaces/${ns}/vvpdeployments`;
  const list = await k(['get', '--raw', base]);
  const rv = (JSON.parse(list.stdout) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  t.ok(rv, 'a list has a resourceVersion');
  const admin = JSON.parse(readFileSync(join(cp.stateDir, 'admin.json'), 'utf8')) as { certPem: string; keyPem: string };
  const get = (path: string, accept: string) => new Promise<{ status: number; body: string }>((resolve, reject) => {
    const url = new URL(cp.server);
    const req = httpsRequest({ host: url.hostname, port: url.port, path, ca: cp.clusterCa.certPem, cert: admin.certPem, key: admin.keyPem, headers: { accept } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
  // The metadata client of the garbage collector and namespace controller asks exactly this way.
  const pom = await get(`${base}?watch=true&timeoutSeconds=2&resourceVersion=0`,
    'application/vnd.kubernetes.protobuf;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json');
  t.equal(pom.status, 200);
  const first = JSON.parse(pom.body.split('\n')[0] ?? '{}') as { type?: string; object?: { kind?: string; spec?: unknown; metadata?: { name?: string } } };
  t.equal(first.type, 'ADDED');
  t.equal(first.object?.kind, 'PartialObjectMetadata');
  t.equal(first.object?.spec, undefined, 'metadata only');
  // A resumed watch is served from the history of this server's poll loop; a server that starts anew has none from
  // before its first look at the platform, so a watch from an older resourceVersion is Expired and the client re-lists.
  await k(['patch', resource, 'alpha', '-n', ns, '--type=merge', '-p', '{"metadata":{"labels":{"resume":"1"}}}']);
  await stopProcesses([stack.pids.server]);
  restartServer(stack);
  for (let i = 0; i < 180; i++) {
    if ((await k(['get', resource, '-n', ns, '-o', 'name'])).code === 0) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const expired = await get(`${base}?watch=true&timeoutSeconds=2&resourceVersion=${rv}`, 'application/json');
  t.match(expired.body, /"code":410/, 'a resourceVersion from before the server started is Expired (clients re-list)');
});

t.test('a user without RBAC is Forbidden, in kube-apiserver wording', async (t) => {
  const kubeconfig = await userKubeconfig(cp, 'mallory', ['nobody']);
  const res = await kubectl(cp, ['get', resource, '-n', ns], { kubeconfig });
  t.not(res.code, 0);
  t.match(res.stderr, new RegExp(`User "mallory" cannot list resource "vvpdeployments" in API group "${stack.apiGroup.replace(/\./g, '\\.')}" in the namespace "${ns}"`));
});

t.test('direct requests with a forged identity are refused', async (t) => {
  const ca = readFileSync(join(stack.stateDir, 'server-tls', 'ca.crt'), 'utf8');
  const url = new URL(stack.serverUrl);
  const status = await new Promise<number>((resolve, reject) => {
    const req = httpsRequest({
      host: url.hostname, port: url.port, ca, servername: `${stack.release}.${stack.namespace}.svc`,
      path: `/apis/${stack.apiGroup}/v1/namespaces/${ns}/vvpdeployments`,
      headers: { 'X-Remote-User': 'system:admin', 'X-Remote-Group': 'system:masters' },
    }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
  t.equal(status, 401, 'X-Remote-* headers without the front-proxy certificate authenticate nobody');
});

t.test('delete --wait returns when the object is gone', async (t) => {
  const res = await k(['delete', resource, 'beta', '-n', ns, '--wait=true', '--timeout=60s']);
  t.equal(res.code, 0, res.stderr);
  const gone = await k(['get', resource, 'beta', '-n', ns]);
  t.match(gone.stderr, /NotFound|not found/);
});
