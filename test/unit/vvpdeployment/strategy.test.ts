// The VvpDeployment's strategy, as the machinery runs it between mutating and validating admission: what a validating
// webhook or policy then sees (defaults, owner label, generation, status) and what it never sees (a refused write).
import t from 'tap';
import { applyCreateStrategy, applyUpdateStrategy, fillCreateSystemFields } from '../../../apiserver/k8s/strategy/strategy.js';
import type { StatusError } from '../../../apiserver/k8s/status.js';
import { OWNER_LABEL } from '../../../apiserver/vvpdeployment/trust/annotations.js';
import { vvpDeploymentInfo } from '../../../apiserver/vvpdeployment/schema.js';
import { VvpDeploymentStrategy } from '../../../apiserver/vvpdeployment/strategy.js';
import type { VvpDeployment } from '../../../apiserver/vvpdeployment/types.js';
import { manifest } from '../../support/fixtures.js';

const strategy = new VvpDeploymentStrategy([{ instanceId: 'op-1', platformNamespaces: ['default', 'team-a'] }]);

function created(m: VvpDeployment = manifest()): VvpDeployment {
  const o = structuredClone(m);
  applyCreateStrategy(vvpDeploymentInfo, strategy, o);
  return o;
}

function refusal(run: () => void): StatusError {
  try {
    run();
  } catch (err) {
    return err as StatusError;
  }
  throw new Error('expected a refusal');
}

t.test('a create is defaulted, routed, at generation 1, without a client status', async (t) => {
  const m = manifest();
  (m as { status?: unknown }).status = { state: 'RUNNING' };
  const o = created(m);
  t.same(o.spec.deployment.metadata, { name: 'top-speed', namespace: 'default' }, 'the platform identity defaulted');
  t.equal(o.spec.deletionPolicy, 'Cancel');
  t.equal(o.metadata.labels?.[OWNER_LABEL], 'op-1', 'the owner label set to the one instance');
  t.equal(o.metadata.generation, 1);
  t.equal(o.status, undefined, 'the status is the platform\'s');
});

t.test('the machinery names a create from generateName and stamps creationTimestamp; without either name, 422', async (t) => {
  const m = manifest('');
  m.metadata.generateName = 'speed-';
  fillCreateSystemFields(vvpDeploymentInfo, m, new Date('2026-12-04T10:00:00.123Z'));
  t.match(m.metadata.name, /^speed-[a-z0-9]{5}$/);
  t.equal(m.metadata.creationTimestamp, '2026-12-04T10:00:00Z');
  const nameless = manifest('');
  t.match(refusal(() => fillCreateSystemFields(vvpDeploymentInfo, nameless)).status.details?.causes,
    [{ type: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
});

t.test('a create the resource refuses is a 422 of the kind, every cause at once', async (t) => {
  const m = manifest('top-speed', { syncingMode: 'PUT', initFields: { spec: {} } });
  m.spec.deployment.metadata = { namespace: 'elsewhere' };
  const err = refusal(() => created(m));
  t.equal(err.code, 422);
  t.match(err.message, /^VvpDeployment\.ververica\.platform "top-speed" is invalid: /);
  t.same(err.status.details?.causes?.map((c) => c.field).sort(), ['spec.deployment.metadata.namespace', 'spec.initFields']);
});

t.test('an update: the generation moves with the defaulted spec only; the live identity and status stay', async (t) => {
  const live = { ...created(), status: { state: 'RUNNING' } } as VvpDeployment;
  const relabelled = structuredClone(live);
  relabelled.metadata.labels = { ...relabelled.metadata.labels, team: 'a' };
  delete (relabelled as { status?: unknown }).status;
  applyUpdateStrategy(vvpDeploymentInfo, strategy, relabelled, live);
  t.equal(relabelled.metadata.generation, 1, 'a label change keeps the generation');
  t.same(relabelled.status, { state: 'RUNNING' }, 'the live status, as a CRD with a status subresource');

  const scaled = structuredClone(live);
  delete scaled.spec.deletionPolicy;
  delete scaled.spec.deployment.metadata;
  scaled.spec.deployment.spec!.template!.spec!.parallelism = 4;
  applyUpdateStrategy(vvpDeploymentInfo, strategy, scaled, live);
  t.equal(scaled.metadata.generation, 2, 'a spec change moves it');
  t.same(scaled.spec.deployment.metadata, { name: 'top-speed', namespace: 'default' }, 'the identity left out is the live one');
  t.equal(scaled.spec.deletionPolicy, 'Cancel');
  t.equal(live.metadata.generation, 1, 'the live object is left as it was');
});

t.test('an update the resource refuses: the identity is immutable, spec.deployment is frozen while deleting', async (t) => {
  const live = created();
  const renamed = structuredClone(live);
  renamed.spec.deployment.metadata = { name: 'other', namespace: 'default' };
  t.match(refusal(() => applyUpdateStrategy(vvpDeploymentInfo, strategy, renamed, live)).status.details?.causes,
    [{ field: 'spec.deployment.metadata.name', message: /field is immutable/ }]);
  const deleting = { ...live, metadata: { ...live.metadata, deletionTimestamp: '2026-12-04T10:00:00Z' } };
  const scaled = structuredClone(deleting);
  scaled.spec.deployment.spec!.template!.spec!.parallelism = 4;
  t.match(refusal(() => applyUpdateStrategy(vvpDeploymentInfo, strategy, scaled, deleting)).status.details?.causes,
    [{ field: 'spec.deployment', message: 'Forbidden: the VvpDeployment is being deleted' }]);
});

t.test('with two instances the owner label routes, and may not change', async (t) => {
  const two = new VvpDeploymentStrategy([{ instanceId: 'prod', platformNamespaces: ['default'] }, { instanceId: 'staging', platformNamespaces: ['stage'] }]);
  const m = manifest();
  m.metadata.labels = { [OWNER_LABEL]: 'staging' };
  applyCreateStrategy(vvpDeploymentInfo, two, m);
  t.equal(m.spec.deployment.metadata?.namespace, 'stage', "the platform namespace defaults to the owner's");
  const moved = structuredClone(m);
  moved.metadata.labels = { [OWNER_LABEL]: 'prod' };
  t.match(refusal(() => applyUpdateStrategy(vvpDeploymentInfo, two, moved, m)).status.details?.causes,
    [{ field: `metadata.labels[${OWNER_LABEL}]`, message: /field is immutable/ }]);
  const unlabelled = manifest();
  unlabelled.metadata.labels = {};
  t.match(refusal(() => applyCreateStrategy(vvpDeploymentInfo, two, unlabelled)).status.details?.causes,
    [{ type: 'FieldValueRequired', field: `metadata.labels[${OWNER_LABEL}]` }]);
});
