// `make up` / `make down` as the README gives them, on a control plane of their own: the product comes up
// with the example applied, .run/env tells tests and people where everything is, every manifest in examples/
// applies, and `down` leaves no process behind.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import t from 'tap';
import { isAlive, runCommand } from '../../tools/cluster/control-plane.js';
import { readStack } from '../../apiservice/local/stack.js';
import { commandBlocks, readerDocs, runDocCommand } from '../support/doc-blocks.js';

const runJs = resolve('dist/apiservice/local/run.js');

t.test('make up brings the product up with the example; make down stops exactly it', async (t) => {
  const binDir = process.env.K8S_BIN_DIR;
  if (!binDir) throw new Error('K8S_BIN_DIR is not set (make test sets it)');
  const state = join(mkdtempSync(join(tmpdir(), 'vvp-up-')), 'run');
  t.teardown(() => runCommand(process.execPath, [runJs, 'down', '--state', state]));

  const up = await runCommand(process.execPath, [runJs, 'up', '--bin', binDir, '--state', state, '--timings', 'fast'], { timeoutMs: 300_000 });
  t.equal(up.code, 0, up.stderr);
  t.match(up.stdout, /export KUBECONFIG=/, 'prints what to paste');
  t.match(up.stdout, /kubectl get vvpdeployments -A/, 'and example commands');

  const env = Object.fromEntries(readFileSync(join(state, 'env'), 'utf8').trim().split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]));
  for (const key of ['KUBECONFIG', 'KUBECTL', 'VVP_URL', 'VVP_TOKEN', 'SERVER_URL']) t.ok(env[key], `.run/env has ${key}`);
  const kubectl = (args: string[]) => runCommand(env.KUBECTL!, ['--kubeconfig', env.KUBECONFIG!, ...args], { env: { HOME: state } });

  const got = await kubectl(['get', 'vvpdeployments']);
  t.equal(got.code, 0, got.stderr);
  t.match(got.stdout, /traffic-speeds\s+CANCELLED/, 'kubectl get vvpdeployments shows the example');
  const platform = await fetch(`${env.VVP_URL}/api/v1/namespaces/default/deployments/traffic-speeds`, { headers: { authorization: `Bearer ${env.VVP_TOKEN}` } });
  t.equal(platform.status, 200, 'the example lives on the platform (VVP_URL, VVP_TOKEN)');

  for (const file of readdirSync('examples').filter((f) => f.endsWith('.yaml'))) {
    const applied = await kubectl(['apply', '-f', join('examples', file)]);
    t.equal(applied.code, 0, `examples/${file} applies: ${applied.stderr}`);
  }
  const all = await kubectl(['get', 'vvpdeployments', '-o', 'name']);
  t.equal(all.stdout.trim().split('\n').length, readdirSync('examples').filter((f) => f.endsWith('.yaml')).length, 'one object per example');

  // What the server asks kube-apiserver before a create: may the quick start's user (as itself, without its groups) use it?
  const review = { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'admin', resourceAttributes: { verb: 'use', group: 'ververica.platform', resource: 'platformnamespaces', name: 'default', namespace: 'default' } } };
  const can = await runCommand(env.KUBECTL!, ['--kubeconfig', env.KUBECONFIG!, 'create', '-f', '-', '-o', 'jsonpath={.status.allowed}'], { env: { HOME: state }, input: JSON.stringify(review) });
  t.equal(can.stdout.trim(), 'true', `the quick start's user is bound to deploy into every platform namespace (README "Tenancy") ${can.stderr}`);

  // The docs' command blocks marked to run, as a reader runs them on this stack (test/support/doc-blocks.ts).
  for (const block of readerDocs().flatMap(commandBlocks).filter((b) => b.marker === 'run')) {
    for (const command of block.commands) {
      const outcome = await runDocCommand(command, { KUBECTL: env.KUBECTL!, KUBECONFIG: env.KUBECONFIG!, HOME: state });
      if (outcome) t.ok(outcome.ok, `${block.file}:${block.line} \`${outcome.command}\` works as the page says ${outcome.why}`);
    }
  }

  const stack = readStack(state);
  const pids = [stack?.pids.server, stack?.pids.emulator, stack?.controlPlane.pids.apiserver, stack?.controlPlane.pids.etcd, stack?.controlPlane.pids.controllerManager];
  t.ok(pids.every((p) => isAlive(p)), 'server, emulator and control plane run');
  const down = await runCommand(process.execPath, [runJs, 'down', '--state', state]);
  t.equal(down.code, 0, down.stderr);
  t.notOk(pids.some((p) => isAlive(p)), 'make down leaves no process behind');
});
