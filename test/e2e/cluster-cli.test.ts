// `make cluster-up` / `make cluster-down` as a developer uses them: a kubeconfig that works with the built
// kubectl, idempotent start, and a stop that leaves no process behind.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import t from 'tap';
import { isAlive as alive, readControlPlane } from '../../tools/cluster/control-plane.js';

const cli = resolve('dist/tools/cluster/cli.js');

function run(file: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(file, args, { env: { ...process.env, ...env }, timeout: 180_000 }, (err, stdout, stderr) => {
      done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

t.test('cluster-up prints a KUBECONFIG that works, is idempotent, and cluster-down stops exactly its processes', async (t) => {
  const binDir = process.env.K8S_BIN_DIR;
  if (!binDir) throw new Error('K8S_BIN_DIR is not set (make test sets it)');
  const state = join(mkdtempSync(join(tmpdir(), 'vvp-cli-')), 'cluster');
  t.teardown(() => run(process.execPath, [cli, 'down', '--state', state]));

  const up = await run(process.execPath, [cli, 'up', '--state', state, '--bin', binDir]);
  t.equal(up.code, 0, up.stderr);
  const kubeconfig = /export KUBECONFIG=(\S+)/.exec(up.stdout)?.[1];
  t.ok(kubeconfig && existsSync(kubeconfig), 'prints the KUBECONFIG to use');
  const kubectl = join(binDir, 'kubectl');

  const readyz = await run(kubectl, ['--kubeconfig', kubeconfig ?? '', 'get', '--raw', '/readyz']);
  t.equal(readyz.stdout.trim(), 'ok', 'kubectl get --raw /readyz answers ok');
  const resources = await run(kubectl, ['--kubeconfig', kubeconfig ?? '', 'api-resources'], { HOME: state });
  t.equal(resources.code, 0, resources.stderr);
  t.match(resources.stdout, /apiservices\s+apiregistration\.k8s\.io\/v1\s+false\s+APIService/, 'api-resources lists the aggregator');

  const pids = readControlPlane(state)?.pids;
  t.ok(pids && alive(pids.etcd) && alive(pids.apiserver) && alive(pids.controllerManager), 'etcd, kube-apiserver and kube-controller-manager run');
  const again = await run(process.execPath, [cli, 'up', '--state', state, '--bin', binDir]);
  t.match(again.stderr, /already running/, 'a second cluster-up reuses the running plane');
  t.same(readControlPlane(state)?.pids, pids, 'same processes');

  const down = await run(process.execPath, [cli, 'down', '--state', state]);
  t.equal(down.code, 0, down.stderr);
  t.notOk(pids && (alive(pids.etcd) || alive(pids.apiserver) || alive(pids.controllerManager)), 'no process left behind');
  t.notOk(existsSync(state), 'state removed');
});
