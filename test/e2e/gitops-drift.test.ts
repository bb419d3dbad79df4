// No drift for GitOps tools: Flux (every interval) and Argo CD's server-side diff run a server-side-apply dry run
// of the manifest and compare it with what is stored. The dry run must answer exactly the object a GET answers —
// nothing ignored — and `kubectl diff --server-side` must show nothing, again and again while the platform runs
// the job (across watch poll intervals), and after the platform changed the status by itself.
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { kstatusOf } from '../support/gitops.js';
import { eventually } from '../support/eventually.js';
import { kubectlFor, platformApi, startProduct, vvpDeploymentManifests } from '../support/product.js';

const POLL_MS = 1000;
const stack = await startProduct({ name: 'drift', serverArgs: [`--poll-interval=${POLL_MS}`] });
const resource = `vvpdeployments.${stack.apiGroup}`;
const ns = 'drift';
const k = kubectlFor(stack);
const platform = platformApi(stack);
const text = JSON.stringify(vvpDeploymentManifests(stack, ns)('steady', { state: 'RUNNING', labels: { app: 'steady' } }));
const manager = ['--server-side', '--field-manager=gitops'];

async function json(args: string[], input?: string): Promise<Record<string, unknown>> {
  const res = await k([...args, '-o', 'json'], input);
  if (res.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${res.stderr}`);
  return JSON.parse(res.stdout) as Record<string, unknown>;
}
const get = () => json(['get', resource, 'steady', '-n', ns]);

/**
 * The dry run against a GET on each side of it; when the two GETs differ the platform moved in between, and the
 * round is repeated (a change by the platform is not drift).
 */
async function dryRunEqualsGet(t: Test, round: string): Promise<void> {
  const { dry, before } = await eventually(`${round}: a dry run between two equal GETs`, async () => {
    const before = await get();
    const dry = await json(['apply', ...manager, '--dry-run=server', '-f', '-'], text);
    const after = await get();
    return JSON.stringify(before) === JSON.stringify(after) ? { dry, before } : undefined;
  });
  t.same(dry, before, `${round}: the server-side-apply dry run answers the stored object`);
  const diff = await k(['diff', ...manager, '-f', '-'], text);
  t.equal(diff.code, 0, `${round}: kubectl diff --server-side finds no difference${diff.stdout ? `:\n${diff.stdout}` : ''} ${diff.stderr}`);
  t.equal(diff.stdout, '', `${round}: and prints nothing`);
}

t.before(async () => {
  await k(['create', 'namespace', ns]);
});

t.test('applied server-side, then dry runs equal GETs 3 times over 2 poll intervals while the job runs', async (t) => {
  const applied = await k(['apply', ...manager, '-f', '-'], text);
  t.equal(applied.code, 0, applied.stderr);
  await eventually('the job RUNNING', async () => ((await kstatusOf(await get())).status === 'Current' ? true : undefined));
  const started = Date.now();
  for (let round = 1; round <= 3; round++) {
    await dryRunEqualsGet(t, `round ${round}`);
    if (round < 3) await sleep(POLL_MS);
  }
  t.ok(Date.now() - started >= 2 * POLL_MS, 'the rounds span two poll intervals');
  const again = await k(['apply', ...manager, '-f', '-'], text);
  t.match(again.stdout, /serverside-applied|unchanged/, 'a real apply of the same manifest changes nothing either');
  await dryRunEqualsGet(t, 'after re-applying');
});

t.test('after the platform changed the status by itself (the job failed): still no drift', async (t) => {
  const before = await get();
  const failed = await platform('POST', '/__emulator/namespaces/default/deployments/steady/job-failure');
  t.equal(failed.status, 200, 'the platform failed the job');
  await eventually('the failure read', async () => ((await kstatusOf(await get())).status === 'Failed' ? true : undefined));
  t.notSame((await get()).metadata, before.metadata, 'the object moved (resourceVersion)');
  for (let round = 1; round <= 3; round++) {
    await dryRunEqualsGet(t, `after the failure, round ${round}`);
    if (round < 3) await sleep(POLL_MS);
  }
});
