// What GitOps tools make of live VvpDeployments, decided by their own code: the real kstatus library (Flux's
// healthChecks, kpt, cli-utils), the shipped Flux healthCheckExprs evaluated by cel-go, and Argo CD's Lua health
// check run by a Lua interpreter. One deployment is taken through every state the platform shows (CANCELLED,
// RUNNING while transitioning, RUNNING and healthy, SUSPENDED, FAILED, a fix applied to the FAILED one, deleting),
// and each answer of a write is read as the tools read it.
import t, { type Test } from 'tap';
import { argoHealth, kstatusOf, type ArgoHealth, type KstatusResult } from '../support/gitops.js';
import { eventually } from '../support/eventually.js';
import { kubectlFor, platformApi, startProduct, vvpDeploymentManifests } from '../support/product.js';

const stack = await startProduct({ name: 'gitops' });
const resource = `vvpdeployments.${stack.apiGroup}`;
const ns = 'gitops';
const k = kubectlFor(stack);
const platform = platformApi(stack);
const manifest = vvpDeploymentManifests(stack, ns);

interface Condition { type: string; status: string; reason: string; message: string; observedGeneration?: number }
interface Obj {
  metadata: { name: string; generation: number; deletionTimestamp?: string; finalizers?: string[] };
  status: { state?: string; observedGeneration?: number; conditions: Condition[] };
}

async function json(args: string[], input?: string): Promise<Obj> {
  const res = await k([...args, '-o', 'json'], input);
  if (res.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${res.stderr}`);
  return JSON.parse(res.stdout) as Obj;
}
const get = (name: string) => json(['get', resource, name, '-n', ns]);
const patch = (name: string, p: unknown) => json(['patch', resource, name, '-n', ns, '--type=merge', '-p', JSON.stringify(p)]);
const applied = (m: unknown) => json(['apply', '-f', '-'], JSON.stringify(m));
const emulator = (path: string) => `/__emulator/namespaces/default/deployments/${path}`;

interface Verdicts { kstatus: KstatusResult; argo: ArgoHealth }
const verdicts = async (o: Obj): Promise<Verdicts> => ({ kstatus: await kstatusOf(o), argo: await argoHealth(o) });

/** The first object (answer of a GET) for which the tools say what is expected; the CEL expressions agree with kstatus. */
async function reads(t: Test, name: string, kstatus: KstatusResult['status'], argo: ArgoHealth['status']): Promise<{ o: Obj; v: Verdicts }> {
  const found = await eventually(`${name} reads ${kstatus} / ${argo}`, async () => {
    const o = await get(name);
    const v = await verdicts(o);
    return v.kstatus.status === kstatus && v.argo.status === argo ? { o, v } : undefined;
  }, 90_000);
  t.equal(found.v.kstatus.cel, kstatus, `${name}: Flux's healthCheckExprs say ${kstatus} too`);
  return found;
}

/** status.observedGeneration at the top level and on every condition equals metadata.generation. */
function observed(t: Test, o: Obj, what: string): void {
  t.equal(o.status.observedGeneration, o.metadata.generation, `${what}: status.observedGeneration = generation ${o.metadata.generation}`);
  const off = o.status.conditions.filter((c) => c.observedGeneration !== o.metadata.generation).map((c) => c.type);
  t.same(off, [], `${what}: every condition carries observedGeneration ${o.metadata.generation}`);
}

t.before(async () => {
  await k(['create', 'namespace', ns]);
});

t.test('created in any state: the answer of the create has observed its generation', async (t) => {
  for (const state of ['CANCELLED', 'RUNNING', 'SUSPENDED'] as const) {
    const o = await applied(manifest(`born-${state.toLowerCase()}`, { state }));
    t.equal(o.metadata.generation, 1);
    observed(t, o, `created ${state}`);
    t.not((await kstatusOf(o)).status, 'Unknown', `kstatus can read the answer of the create (${state})`);
  }
  for (const state of ['CANCELLED', 'RUNNING', 'SUSPENDED']) {
    const { o, v } = await reads(t, `born-${state.toLowerCase()}`, 'Current', state === 'SUSPENDED' ? 'Suspended' : 'Healthy');
    t.equal(o.status.state, state, `${state}: Current (${v.kstatus.message}) and ${v.argo.status} (${v.argo.message})`);
  }
});

t.test('CANCELLED as desired: Current, Healthy', async (t) => {
  await applied(manifest('life'));
  const { o, v } = await reads(t, 'life', 'Current', 'Healthy');
  t.equal(o.status.state, 'CANCELLED');
  t.match(v.argo.message, /CANCELLED as desired/);
  observed(t, o, 'CANCELLED');
});

t.test('a no-op write is observed too: the generation stays, observedGeneration still equals it', async (t) => {
  const before = await get('life');
  const again = await applied(manifest('life'));
  t.equal(again.metadata.generation, before.metadata.generation, 'the same manifest does not raise the generation');
  observed(t, again, 'no-op apply');
  const labelled = await patch('life', { metadata: { labels: { team: 'a' } } });
  t.equal(labelled.metadata.generation, before.metadata.generation, 'a metadata change does not either');
  observed(t, labelled, 'metadata-only patch');
});

t.test('to RUNNING: InProgress / Progressing from the answer of the write until the job runs', async (t) => {
  // Slow this deployment's steps down, so that the transition is still going on when it is read.
  await platform('PUT', emulator('life/transition-faults'), { extraDelayMs: 4000 });
  const answer = await patch('life', { spec: { deployment: { spec: { state: 'RUNNING' } } } });
  observed(t, answer, 'the answer to RUNNING');
  const v = await verdicts(answer);
  t.equal(v.kstatus.status, 'InProgress', `kstatus of the answer: ${v.kstatus.message}`);
  t.equal(v.kstatus.cel, 'InProgress', 'healthCheckExprs of the answer');
  t.equal(v.argo.status, 'Progressing', `Argo CD of the answer: ${v.argo.message}`);
  await platform('DELETE', emulator('life/transition-faults'));
  const { o } = await reads(t, 'life', 'Current', 'Healthy');
  t.equal(o.status.state, 'RUNNING');
  observed(t, o, 'RUNNING');
});

t.test('SUSPENDED as desired: Current, and Suspended in Argo CD', async (t) => {
  await patch('life', { spec: { deployment: { spec: { state: 'SUSPENDED' } } } });
  const { o } = await reads(t, 'life', 'Current', 'Suspended');
  t.equal(o.status.state, 'SUSPENDED');
  observed(t, o, 'SUSPENDED');
});

t.test('FAILED: Failed / Degraded with the failure; a fix reads InProgress from the answer of the write on', async (t) => {
  await patch('life', { spec: { deployment: { spec: { state: 'RUNNING' } } } });
  await reads(t, 'life', 'Current', 'Healthy');
  const failed = await platform('POST', emulator('life/job-failure'));
  t.equal(failed.status, 200, 'the platform failed the job');
  const { o, v } = await reads(t, 'life', 'Failed', 'Degraded');
  t.equal(o.status.state, 'FAILED');
  t.match(v.argo.message, /FAILED/);
  observed(t, o, 'FAILED');

  // The platform reacts to the fix only after a while: until then it still shows the old failure.
  const timings = await platform<{ reactionMs: number }>('GET', '/__emulator/timings');
  await platform('PATCH', '/__emulator/timings', { reactionMs: 3000 });
  t.teardown(() => platform('PATCH', '/__emulator/timings', { reactionMs: timings.body.reactionMs }));
  const fix = await patch('life', { spec: { deployment: { spec: { template: { spec: { artifact: { jarUri: 'file:///flink/examples/streaming/WindowJoin.jar' } } } } } } });
  t.equal(fix.metadata.generation, o.metadata.generation + 1, 'the fix raised the generation');
  observed(t, fix, 'the answer to the fix');
  const first = await verdicts(fix);
  t.equal(first.kstatus.status, 'InProgress', `kstatus of the answer to the fix: ${first.kstatus.message}`);
  t.equal(first.kstatus.cel, 'InProgress', 'healthCheckExprs of the answer to the fix');
  t.equal(first.argo.status, 'Progressing', `Argo CD: ${first.argo.message}`);
  t.equal(fix.status.conditions.find((c) => c.type === 'Reconciling')?.status, 'True', 'Reconciling=True');
  // Every read from then on is InProgress until the job runs again: never Failed on the way (Flux stops at the first).
  const seen = new Set<string>();
  await eventually('the fixed deployment Current', async () => {
    const now = await get('life');
    const { status: s, cel } = await kstatusOf(now);
    seen.add(`${now.status.state}:${s}`);
    seen.add(`${now.status.state}:${cel}`);
    return s === 'Current' ? now : undefined;
  });
  t.same([...seen].filter((s) => s.endsWith(':Failed')), [], `read on the way: ${[...seen].join(', ')}`);
});

t.test('a fix that fails too reads Failed once the platform has acted on it, with or without a new job', async (t) => {
  await platform('PATCH', '/__emulator/timings', { reactionMs: 10 });
  await platform('POST', emulator('life/job-failure'));
  await reads(t, 'life', 'Failed', 'Degraded');
  const answer = await patch('life', { spec: { deployment: { spec: { template: { spec: { artifact: { jarUri: 'file:///flink/examples/fail-start.jar' } } } } } } });
  t.equal((await kstatusOf(answer)).status, 'InProgress', 'the answer to the write is InProgress');
  const { o, v } = await reads(t, 'life', 'Failed', 'Degraded');
  t.equal(o.status.state, 'FAILED', v.kstatus.message);
  // A fix the platform refuses before any job starts: no new job, no new savepoint, only the platform's own writes.
  const nowhere = await patch('life', { spec: { deployment: { spec: { deploymentTargetName: 'nowhere', template: { spec: { artifact: { jarUri: 'file:///flink/examples/streaming/TopSpeedWindowing.jar' } } } } } } });
  t.equal((await kstatusOf(nowhere)).status, 'InProgress', 'the answer to that write is InProgress');
  const again = await reads(t, 'life', 'Failed', 'Degraded');
  t.match(again.v.kstatus.message, /FAILED/, `then Failed again: ${again.v.kstatus.message}`);
  await patch('life', { spec: { deployment: { spec: { state: 'CANCELLED', deploymentTargetName: 'default' } } } });
  await reads(t, 'life', 'Current', 'Healthy');
});

t.test('deleting: Terminating / Progressing while the deletion waits; the deletion raised the generation', async (t) => {
  const held = await patch('life', { metadata: { finalizers: ['example.com/hold'] } });
  const dryRun = await k(['delete', '--raw', `/apis/${stack.apiGroup}/v1/namespaces/${ns}/vvpdeployments/life?dryRun=All`]);
  const dry = JSON.parse(dryRun.stdout) as Obj;
  t.equal(dry.metadata.generation, held.metadata.generation + 1, 'a dry-run deletion answers the raised generation too');
  t.equal((await get('life')).metadata.deletionTimestamp, undefined, 'and deletes nothing');
  const del = await k(['delete', resource, 'life', '-n', ns, '--wait=false']);
  t.equal(del.code, 0, del.stderr);
  const o = await get('life');
  t.ok(o.metadata.deletionTimestamp, 'deletionTimestamp set');
  t.equal(o.metadata.generation, held.metadata.generation + 1, 'setting deletionTimestamp raised metadata.generation');
  observed(t, o, 'deleting');
  const v = await verdicts(o);
  t.equal(v.kstatus.status, 'Terminating', v.kstatus.message);
  t.equal(v.kstatus.cel, 'InProgress', 'healthCheckExprs: in progress (Reconciling=True while deleting)');
  t.equal(v.argo.status, 'Progressing');
  t.match(v.argo.message, /^Deleting: .*finalizers/);
  await patch('life', { metadata: { finalizers: null } }).catch(() => undefined);
  const gone = await k(['wait', resource, 'life', '-n', ns, '--for=delete', '--timeout=90s']);
  t.equal(gone.code, 0, gone.stderr);
});
