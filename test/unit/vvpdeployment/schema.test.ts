import t from 'tap';
import { vvpDeploymentInfo, vvpDeploymentSchema } from '../../../apiserver/vvpdeployment/schema.js';
import { validateVvpDeployment, validateVvpDeploymentUpdate, withDefaults } from '../../../apiserver/vvpdeployment/decide/validation.js';
import type { VvpDeployment } from '../../../apiserver/vvpdeployment/types.js';

const ctx = { instanceId: 'op-1', platformNamespaces: ['default', 'team-a'] };

function object(over: Partial<VvpDeployment['spec']> = {}, name = 'top-speed'): VvpDeployment {
  return {
    apiVersion: 'ververica.platform/v1', kind: 'VvpDeployment',
    metadata: { name, namespace: 'flink' },
    spec: { syncingMode: 'PATCH', deployment: { spec: { state: 'CANCELLED' } }, ...over },
  };
}

function fields(causes: { field?: string }[]): (string | undefined)[] {
  return causes.map((c) => c.field);
}

t.test('resource names for discovery', async (t) => {
  t.match(vvpDeploymentInfo, {
    group: 'ververica.platform', version: 'v1', kind: 'VvpDeployment', listKind: 'VvpDeploymentList',
    resource: 'vvpdeployments', singular: 'vvpdeployment', namespaced: true,
  });
  t.ok(vvpDeploymentInfo.shortNames.includes('vvpdep'));
  t.same(vvpDeploymentInfo.categories, ['ververica']);
});

t.test('every field of the schema has a description (kubectl explain)', async (t) => {
  const missing: string[] = [];
  const walk = (s: Record<string, unknown>, path: string): void => {
    if (typeof s.description !== 'string' || s.description === '') missing.push(path);
    const props = s.properties as Record<string, Record<string, unknown>> | undefined;
    for (const [k, v] of Object.entries(props ?? {})) walk(v, `${path}.${k}`);
    const items = s.items as Record<string, unknown> | undefined;
    if (items) walk(items, `${path}[]`);
  };
  walk(vvpDeploymentSchema, '');
  t.same(missing, []);
  const spec = (vvpDeploymentSchema.properties as Record<string, { required?: string[] }>).spec;
  t.same(spec?.required, ['syncingMode', 'deployment']);
});

t.test('defaults: platform identity from the object and the server, deletion policy Cancel', async (t) => {
  const d = withDefaults(object(), 'default');
  t.same(d.spec.deployment.metadata, { name: 'top-speed', namespace: 'default' });
  t.equal(d.spec.deletionPolicy, 'Cancel');
  const kept = withDefaults(object({ deployment: { metadata: { name: 'other', namespace: 'team-a' } }, deletionPolicy: 'Orphan' }), 'default');
  t.same(kept.spec.deployment.metadata, { name: 'other', namespace: 'team-a' });
  t.equal(kept.spec.deletionPolicy, 'Orphan');
});

t.test('a valid object has no causes', async (t) => {
  t.same(validateVvpDeployment(withDefaults(object(), 'default'), ctx), []);
});

t.test('initFields are refused in PUT mode at creation, and ignored after a later switch to PUT', async (t) => {
  const o = withDefaults(object({ syncingMode: 'PUT', initFields: { spec: { maxJobCreationAttempts: 2 } } }), 'default');
  const causes = validateVvpDeployment(o, ctx);
  t.same(fields(causes), ['spec.initFields']);
  t.match(causes[0]?.message, /PATCH/);
  t.same(validateVvpDeployment(o, ctx, false), []);
});

t.test('the owner label must be this instance', async (t) => {
  const o = withDefaults(object(), 'default');
  o.metadata.labels = { 'ververica.platform/owner': 'op-2' };
  t.same(fields(validateVvpDeployment(o, ctx)), ['metadata.labels[ververica.platform/owner]']);
  o.metadata.labels = { 'ververica.platform/owner': 'op-1' };
  t.same(validateVvpDeployment(o, ctx), []);
});

t.test('platform names follow the platform rules, including a name defaulted from metadata.name', async (t) => {
  const long = withDefaults(object({}, 'a'.repeat(64)), 'default');
  const causes = validateVvpDeployment(long, ctx);
  t.same(fields(causes), ['spec.deployment.metadata.name']);
  t.match(causes[0]?.message, /defaulted from metadata.name/);
  const dotted = withDefaults(object({}, 'my.app'), 'default');
  t.match(validateVvpDeployment(dotted, ctx)[0]?.message, /regex/);
});

t.test('a UUID-shaped platform name is refused (a path would read it as an id)', async (t) => {
  const uuidName = withDefaults(object({}, '0b4c1d2e-1f2a-4b3c-8d4e-5f6a7b8c9d0e'), 'default');
  const causes = validateVvpDeployment(uuidName, ctx);
  t.same(fields(causes), ['spec.deployment.metadata.name'], 'the defaulted platform name is the one refused');
  t.match(causes[0]?.message, /form of a UUID/);
  const named = withDefaults(object({ deployment: { metadata: { name: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' }, spec: { state: 'CANCELLED' } } }), 'default');
  t.same(fields(validateVvpDeployment(named, ctx)), ['spec.deployment.metadata.name'], 'also given explicitly in spec.deployment.metadata');
  t.same(validateVvpDeployment(withDefaults(object({}, 'top-speed-2026-12'), 'default'), ctx), [], 'an ordinary dashed name passes');
});

t.test('only served platform namespaces', async (t) => {
  const o = withDefaults(object({ deployment: { metadata: { namespace: 'elsewhere' } } }), 'default');
  const causes = validateVvpDeployment(o, ctx);
  t.same(fields(causes), ['spec.deployment.metadata.namespace']);
  t.equal(causes[0]?.type, 'FieldValueNotSupported');
});

t.test('reserved keys cannot be written through spec.deployment', async (t) => {
  const o = withDefaults(object({
    deployment: {
      metadata: { labels: { 'ververica.platform/managed-by': 'x' }, annotations: { 'k8s.ververica.platform/spec': '{}' } },
      spec: { template: { metadata: { annotations: { 'k8s.ververica.platform/restart-nonce': '9' } } } },
    },
  }), 'default');
  t.same(fields(validateVvpDeployment(o, ctx)), [
    'spec.deployment.metadata.labels[ververica.platform/managed-by]',
    'spec.deployment.metadata.annotations[k8s.ververica.platform/spec]',
    'spec.deployment.spec.template.metadata.annotations[k8s.ververica.platform/restart-nonce]',
  ]);
});

t.test('initFields cannot carry the platform identity or reserved keys', async (t) => {
  const o = withDefaults(object({ initFields: { metadata: { name: 'x' } } }), 'default');
  t.same(fields(validateVvpDeployment(o, ctx)), ['spec.initFields.metadata']);
  const r = withDefaults(object({ initFields: { metadata: { labels: { 'k8s.ververica.platform/name': 'forged' } } } }), 'default');
  t.same(fields(validateVvpDeployment(r, ctx)), ['spec.initFields.metadata.labels[k8s.ververica.platform/name]']);
});

t.test('the platform identity is immutable', async (t) => {
  const old = withDefaults(object(), 'default');
  const renamed = withDefaults(object({ deployment: { metadata: { name: 'renamed', namespace: 'team-a' } } }), 'default');
  t.same(fields(validateVvpDeploymentUpdate(renamed, old)), ['spec.deployment.metadata.name', 'spec.deployment.metadata.namespace']);
  t.same(validateVvpDeploymentUpdate(withDefaults(object({ savepointNonce: 2 }), 'default'), old), []);
});
