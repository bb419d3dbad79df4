// Ready for VVP 3's fields, through the real kube-apiserver, kubectl and the emulator: a field of the platform spec this
// server does not know is the platform's to judge — kept in the object, passed to the platform as written, named in a
// Warning, never reset by a PUT-mode write because the server did not know it; a field only the platform holds
// follows kube's semantics of the mode (PATCH keeps it, PUT replaces the spec with the manifest's); and a list the
// platform defaults (VVP 3's volumeMounts) reads SpecAligned, with `kubectl diff` of the unchanged manifest empty.
import t from 'tap';
import { scenario } from '../support/product.js';
import { eventually } from '../support/eventually.js';

const { ns, resource, k, platform, manifest } = await scenario('vvp3fields');

type PlatformDeployment = { spec: Record<string, unknown> & { template: { spec: Record<string, unknown> & { parallelism?: number; kubernetes?: { pods?: { volumeMounts?: { name: string }[] } } } } } };
const onPlatform = async (name: string) => (await platform<PlatformDeployment>('GET', `/api/v1/namespaces/default/deployments/${name}`)).body;
const apply = (m: unknown) => k(['apply', '-f', '-'], JSON.stringify(m));

async function specAligned(name: string): Promise<string> {
  const res = await k(['get', resource, name, '-n', ns, '-o', 'jsonpath={.status.conditions[?(@.type=="SpecAligned")].status}/{.status.conditions[?(@.type=="SpecAligned")].message}']);
  return res.stdout;
}

/** `kubectl diff` of a manifest: its exit code (0 = no difference) and what it printed. */
async function diff(m: unknown): Promise<{ code: number; out: string }> {
  const res = await k(['diff', '-f', '-'], JSON.stringify(m));
  return { code: res.code, out: `${res.stdout}${res.stderr}` };
}

t.test('an unknown spec.deployment.spec field round-trips through create, PUT-mode updates and GET, and reaches the platform as written', async (t) => {
  const m = manifest('unknown-fields', { syncingMode: 'PUT', deploymentSpec: { vvp3Option: { mode: 'BATCH', tiers: ['a', 'b'] } } });
  (m.spec.deployment.spec.template.spec as Record<string, unknown>).engineTuning = { level: 3 };
  const created = await apply(m);
  t.equal(created.code, 0, created.stderr);
  t.match(created.stderr, /Warning: unknown fields "[^"]+", "[^"]+": not in this server's schema; passed to Ververica Platform as written/, 'one Warning');
  for (const field of ['spec.deployment.spec.vvp3Option', 'spec.deployment.spec.template.spec.engineTuning']) t.ok(created.stderr.includes(`"${field}"`), `it names ${field}`);
  const got = JSON.parse((await k(['get', resource, 'unknown-fields', '-n', ns, '-o', 'json'])).stdout) as { spec: { deployment: { spec: PlatformDeployment['spec'] } } };
  t.same(got.spec.deployment.spec.vvp3Option, { mode: 'BATCH', tiers: ['a', 'b'] }, 'GET answers it as written');
  t.same(got.spec.deployment.spec.template.spec.engineTuning, { level: 3 });
  const first = await onPlatform('unknown-fields');
  t.same(first.spec.vvp3Option, { mode: 'BATCH', tiers: ['a', 'b'] }, 'the platform has it as written');
  t.same(first.spec.template.spec.engineTuning, { level: 3 });

  // A PUT-mode update of a known field: the unknown ones are in the PUT as written, so the platform keeps them.
  m.spec.deployment.spec.template.spec.parallelism = 2;
  const updated = await apply(m);
  t.equal(updated.code, 0, updated.stderr);
  t.notMatch(updated.stderr, /unknown field/, 'a re-apply that does not change them names them no more');
  await eventually('the PUT reached the platform', async () => (await onPlatform('unknown-fields')).spec.template.spec.parallelism === 2, 60_000);
  const second = await onPlatform('unknown-fields');
  t.same(second.spec.vvp3Option, { mode: 'BATCH', tiers: ['a', 'b'] }, 'a PUT-mode write does not reset it');
  t.same(second.spec.template.spec.engineTuning, { level: 3 });

  // Changing one: named again, and the platform gets the new value.
  (m.spec.deployment.spec as Record<string, unknown>).vvp3Option = { mode: 'STREAMING' };
  const changed = await apply(m);
  t.equal(changed.code, 0, changed.stderr);
  t.match(changed.stderr, /unknown field "spec\.deployment\.spec\.vvp3Option"/);
  await eventually('the new value reached the platform', async () => JSON.stringify((await onPlatform('unknown-fields')).spec.vvp3Option) === '{"mode":"STREAMING"}', 60_000);
  await eventually('SpecAligned True', async () => (await specAligned('unknown-fields')).startsWith('True/'), 60_000);
  const same = await diff(m);
  t.equal(same.code, 0, `kubectl diff of the applied manifest is empty: ${same.out}`);
  t.equal((await k(['delete', resource, 'unknown-fields', '-n', ns, '--wait=false'])).code, 0);
});

t.test('a field only the platform holds: PATCH mode keeps it through kubectl apply; PUT mode replaces the spec with the manifest\'s', async (t) => {
  for (const mode of ['PATCH', 'PUT'] as const) {
    const name = `platform-only-${mode.toLowerCase()}`;
    const m = manifest(name, { syncingMode: mode });
    const created = await apply(m);
    t.equal(created.code, 0, created.stderr);
    // Set on the platform's side (its UI, another client, a newer platform's default): the manifest does not carry it.
    const edit = await platform('PATCH', `/__emulator/namespaces/default/deployments/${name}`, { spec: { vvp3Option: 'set-on-the-platform' } });
    t.equal(edit.status, 200, JSON.stringify(edit.body));
    m.spec.deployment.spec.template.spec.parallelism = 3;
    const applied = await apply(m);
    t.equal(applied.code, 0, applied.stderr);
    await eventually(`${mode}: the apply reached the platform`, async () => (await onPlatform(name)).spec.template.spec.parallelism === 3, 60_000);
    const after = await onPlatform(name);
    if (mode === 'PATCH') t.equal(after.spec.vvp3Option, 'set-on-the-platform', 'PATCH mode: a merge patch of what the manifest says; the platform\'s field stays');
    else t.equal(after.spec.vvp3Option, undefined, 'PUT mode: the manifest is the whole spec (kube\'s replace); what it does not carry is reset, known or not');
    t.equal((await k(['delete', resource, name, '-n', ns, '--wait=false'])).code, 0);
  }
});

t.test('a list the platform defaults (VVP 3 volumeMounts): SpecAligned True and kubectl diff empty, with or without a list of its own', async (t) => {
  const mount = (name: string) => ({ name, volume: { name, emptyDir: {} }, volumeMount: { name, mountPath: `/mnt/${name}` } });
  const defaults = await platform('PATCH', '/api/v1/namespaces/default/deployment-defaults', { spec: { template: { spec: { kubernetes: { pods: { volumeMounts: [mount('platform-default')] } } } } } });
  t.equal(defaults.status, 200, JSON.stringify(defaults.body));
  t.teardown(() => platform('PATCH', '/api/v1/namespaces/default/deployment-defaults', { spec: { template: { spec: { kubernetes: null } } } }));
  for (const mode of ['PUT', 'PATCH'] as const) {
    const omits = manifest(`lists-omit-${mode.toLowerCase()}`, { syncingMode: mode });
    const own = manifest(`lists-own-${mode.toLowerCase()}`, { syncingMode: mode });
    (own.spec.deployment.spec.template.spec as Record<string, unknown>).kubernetes = { pods: { volumeMounts: [mount('mine')] } };
    for (const [m, expected] of [[omits, ['platform-default']], [own, ['mine']]] as const) {
      const name = m.metadata.name;
      const created = await apply(m);
      t.equal(created.code, 0, created.stderr);
      t.same((await onPlatform(name)).spec.template.spec.kubernetes?.pods?.volumeMounts?.map((v) => v.name), expected, `${name}: the platform's list`);
      await eventually(`${name}: SpecAligned True`, async () => (await specAligned(name)).startsWith('True/'), 60_000);
      const unchanged = await diff(m);
      t.equal(unchanged.code, 0, `${name}: kubectl diff of the unchanged manifest exits 0: ${unchanged.out}`);
      // A PUT-mode write again (a change of a known field): the platform's list stays what it was.
      m.spec.deployment.spec.template.spec.parallelism = 2;
      t.equal((await apply(m)).code, 0);
      await eventually(`${name}: the change reached the platform`, async () => (await onPlatform(name)).spec.template.spec.parallelism === 2, 60_000);
      t.same((await onPlatform(name)).spec.template.spec.kubernetes?.pods?.volumeMounts?.map((v) => v.name), expected, `${name}: the list after another write`);
      t.ok((await specAligned(name)).startsWith('True/'), `${name}: still SpecAligned`);
      t.equal((await diff(m)).code, 0, `${name}: kubectl diff still empty`);
      t.equal((await k(['delete', resource, name, '-n', ns, '--wait=false'])).code, 0);
    }
  }
});
