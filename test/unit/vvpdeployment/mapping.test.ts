import t from 'tap';
import { LABEL, MANAGED_BY_LABEL, RESTART_ANNOTATION, decodeKubeParts, encodeKubeParts, type KubeParts } from '../../../apiserver/vvpdeployment/trust/annotations.js';
import { planCreate, planUpdate } from '../../../apiserver/vvpdeployment/decide/mapping.js';
import { toVvpDeployment } from '../../../apiserver/vvpdeployment/decide/kube-object.js';
import type { PlatformView } from '../../../apiserver/vvpdeployment/read/platform-view.js';
import { withDefaults } from '../../../apiserver/vvpdeployment/decide/validation.js';
import type { VvpDeployment, VvpDeploymentSpec } from '../../../apiserver/vvpdeployment/types.js';
import type { Deployment, DeploymentWrite } from '../../../apiserver/vvp/types.js';

const NOW = new Date('2026-11-24T12:00:00.456Z');

/** What a read does with a platform deployment: its record decoded, then mapped; nothing without a record. */
function platformToKube(view: PlatformView): VvpDeployment | undefined {
  const parts = decodeKubeParts(view.deployment.metadata.annotations);
  return parts ? toVvpDeployment(view, parts) : undefined;
}

function object(spec: Partial<VvpDeploymentSpec> = {}, meta: Partial<VvpDeployment['metadata']> = {}): VvpDeployment {
  return withDefaults({
    apiVersion: 'ververica.platform/v1', kind: 'VvpDeployment',
    metadata: { name: 'top-speed', namespace: 'flink', ...meta },
    spec: {
      syncingMode: 'PATCH',
      deployment: {
        metadata: { displayName: 'Top Speed', labels: { team: 'a' } },
        spec: { state: 'RUNNING', deploymentTargetName: 'vvp-jobs', template: { spec: { artifact: { kind: 'JAR', jarUri: 's3://b/job.jar' }, parallelism: 2 } } },
      },
      ...spec,
    },
  }, 'default');
}

/** The platform deployment as it stands after planCreate's body was POSTed, with platform defaults added. */
function platformFor(obj: VvpDeployment, state: 'RUNNING' | 'CANCELLED' | 'SUSPENDED' = 'RUNNING'): Deployment {
  const body = planCreate(obj, 'op-1', NOW).body as Deployment;
  return {
    kind: 'Deployment', apiVersion: 'v1',
    metadata: { ...body.metadata, id: 'd-1', resourceVersion: 5, createdAt: '2026-11-24T11:00:00Z', modifiedAt: '2026-11-24T11:30:00Z',
      annotations: { ...body.metadata.annotations, 'com.dataartisans.appmanager.controller.deployment.spec.version': '2' } },
    spec: { upgradeStrategy: { kind: 'STATEFUL' }, restoreStrategy: { kind: 'LATEST_STATE' }, maxJobCreationAttempts: 4, ...body.spec, state: body.spec.state },
    status: { state, ...(state === 'RUNNING' ? { running: { jobId: 'j-1', transitionTime: '2026-11-24T11:10:00Z' } } : {}) },
  };
}

function viewOf(obj: VvpDeployment, state: 'RUNNING' | 'CANCELLED' | 'SUSPENDED' = 'RUNNING'): { view: PlatformView; parts: KubeParts } {
  const deployment = platformFor(obj, state);
  const parts = decodeKubeParts(deployment.metadata.annotations);
  if (!parts) throw new Error('no record');
  return { view: { deployment, autopilot: { mode: 'AUTOPILOT_MODE_DISABLED' } }, parts };
}

t.test('create in PATCH mode: the fields present, initFields underneath, the record and the marker', async (t) => {
  const obj = object({ initFields: { metadata: { displayName: 'ignored' }, spec: { maxSavepointCreationAttempts: 3, template: { spec: { parallelism: 9, numberOfTaskManagers: 2 } } } }, savepointNonce: 4 },
    { labels: { app: 'x' }, annotations: { note: 'y' } });
  const plan = planCreate(obj, 'op-1', NOW);
  const body = plan.body as Deployment;
  t.equal(body.metadata.name, 'top-speed');
  t.equal(body.metadata.namespace, 'default');
  t.equal(body.metadata.displayName, 'Top Speed', 'spec.deployment wins over initFields');
  t.equal(body.spec.maxSavepointCreationAttempts, 3, 'initFields sent at creation');
  t.equal(body.spec.template?.spec?.parallelism, 2);
  t.equal(body.spec.template?.spec?.numberOfTaskManagers, 2);
  t.equal(body.metadata.labels?.team, 'a');
  t.equal(body.metadata.labels?.[MANAGED_BY_LABEL], 'op-1');
  t.equal(body.metadata.labels?.[LABEL.namespace], 'flink');
  t.equal(body.metadata.labels?.[LABEL.name], 'top-speed');
  const rec = decodeKubeParts(body.metadata.annotations);
  t.same(rec?.labels, { app: 'x' });
  t.same(rec?.annotations, { note: 'y' });
  t.equal(rec?.generation, 1);
  t.equal(rec?.creationTimestamp, '2026-11-24T12:00:00Z');
  t.same(rec?.savepointNonce, { nonce: 4, outcome: 'Initial', at: '2026-11-24T12:00:00Z' }, 'a nonce present at creation is not acted on');
  t.equal(rec?.projectedMode, 'PATCH');
  t.match(plan.events, [{ type: 'Normal', reason: 'Created', message: /created platform deployment default\/top-speed \(mode=PATCH\)/ }]);
});

t.test('create in PUT mode sends the definition as is', async (t) => {
  const obj = object({ syncingMode: 'PUT' });
  const body = planCreate(obj, 'op-1', NOW).body as Deployment;
  t.same(body.spec, obj.spec.deployment.spec);
});

t.test('an initial savepoint is registered while the deployment is still CANCELLED', async (t) => {
  const plan = planCreate(object({ initialSavepointSpec: { savepointLocation: 's3://b/sp-1' } }), 'op-1', NOW);
  t.equal(plan.body.spec?.state, 'CANCELLED');
  t.equal(plan.registerSavepoint, 's3://b/sp-1');
  t.equal(plan.stateAfterRegistration, 'RUNNING');
  t.same(plan.parts.initialSavepoint, { location: 's3://b/sp-1' });
  const cancelled = planCreate(object({ deployment: { spec: { state: 'CANCELLED' } }, initialSavepointSpec: { savepointLocation: 's3://b/sp-1' } }), 'op-1', NOW);
  t.equal(cancelled.stateAfterRegistration, undefined);
});

t.test('an unchanged object writes nothing', async (t) => {
  const obj = object();
  const { view, parts } = viewOf(obj);
  const plan = planUpdate(view, parts, obj, 'op-1', NOW);
  t.equal(plan.body, undefined);
  t.equal(plan.parts.generation, 1);
  t.same(plan.events, []);
});

t.test('a Kubernetes label change writes only metadata, and keeps the generation', async (t) => {
  const obj = object();
  const { view, parts } = viewOf(obj);
  const plan = planUpdate(view, parts, object({}, { labels: { app: 'new' } }), 'op-1', NOW);
  t.equal(plan.method, 'PATCH');
  t.notOk(plan.projected);
  t.equal(plan.body?.spec, undefined);
  t.equal(plan.body?.metadata?.resourceVersion, 5, 'carries the platform resourceVersion');
  t.equal(plan.body?.metadata?.labels?.team, 'a', 'user platform labels kept');
  t.same(decodeKubeParts(plan.body?.metadata?.annotations as Record<string, string>)?.labels, { app: 'new' });
  t.equal(plan.parts.generation, 1);
});

t.test('PATCH mode: a spec change sends the fields present and says what changed', async (t) => {
  const obj = object();
  const { view, parts } = viewOf(obj, 'CANCELLED');
  parts.spec = object({ deployment: { ...obj.spec.deployment, spec: { ...obj.spec.deployment.spec, state: 'CANCELLED' } } }).spec;
  const next = object();
  next.spec.deployment.spec!.template!.spec!.parallelism = 4;
  const plan = planUpdate(view, parts, next, 'op-1', NOW);
  t.equal(plan.method, 'PATCH');
  t.ok(plan.projected);
  t.equal(plan.parts.generation, 2);
  t.same(plan.body?.spec, next.spec.deployment.spec);
  t.equal(plan.body?.metadata?.name, undefined, 'identity is in the URL');
  t.equal(plan.body?.metadata?.displayName, 'Top Speed');
  t.match(plan.events, [{ reason: 'Projected', message: 'Kubernetes API server projected deployment config (mode=PATCH) including state change: CANCELLED → RUNNING' }]);
});

t.test('PATCH mode: initFields are never sent again', async (t) => {
  const obj = object({ initFields: { spec: { maxJobCreationAttempts: 2 } } });
  const { view, parts } = viewOf(obj);
  const next = object({ initFields: { spec: { maxJobCreationAttempts: 7 } } });
  next.spec.deployment.spec!.template!.spec!.parallelism = 3;
  const plan = planUpdate(view, parts, next, 'op-1', NOW);
  t.equal((plan.body?.spec as Deployment['spec']).maxJobCreationAttempts, undefined);
});

t.test('PUT mode: the full definition replaces the platform one, keeping the restart mark and the platform\'s own annotations', async (t) => {
  const obj = object({ syncingMode: 'PUT' });
  const { view, parts } = viewOf(obj);
  view.deployment.spec.template = { ...view.deployment.spec.template, metadata: { annotations: { [RESTART_ANNOTATION]: '3' } } };
  const next = object({ syncingMode: 'PUT' });
  next.spec.deployment.spec!.template!.spec!.flinkConfiguration = { a: 'b' };
  const plan = planUpdate(view, parts, next, 'op-1', NOW);
  t.equal(plan.method, 'PUT');
  const body = plan.body as Deployment;
  t.equal(body.metadata.name, 'top-speed');
  t.equal(body.metadata.namespace, 'default');
  t.equal(body.metadata.resourceVersion, 5);
  t.equal(body.spec.upgradeStrategy, undefined, 'omitted fields are reset');
  t.same(body.spec.template?.metadata?.annotations, { [RESTART_ANNOTATION]: '3' });
  t.equal(body.metadata.annotations?.['com.dataartisans.appmanager.controller.deployment.spec.version'], '2');
  t.equal(decodeKubeParts(body.metadata.annotations)?.projectedMode, 'PUT');
});

t.test('a syncingMode switch alone is recorded but not projected', async (t) => {
  const obj = object();
  const { view, parts } = viewOf(obj);
  const plan = planUpdate(view, parts, object({ syncingMode: 'PUT' }), 'op-1', NOW);
  t.notOk(plan.projected);
  t.equal(plan.method, 'PATCH');
  t.equal(plan.body?.spec, undefined);
  t.equal(plan.parts.generation, 2);
  t.equal(plan.parts.projectedMode, 'PATCH');
});

t.test('savepointNonce: triggered once while RUNNING', async (t) => {
  const obj = object({ savepointNonce: 1 });
  const { view, parts } = viewOf(obj);
  const plan = planUpdate(view, parts, object({ savepointNonce: 2 }), 'op-1', NOW);
  t.equal(plan.triggerSavepoint, 2);
  t.match(plan.parts.savepointNonce, { nonce: 2, outcome: 'Triggered' });
  t.notOk(plan.projected, 'a savepoint does not touch the platform spec');
  t.ok(plan.body, 'the record is written');
  const again = planUpdate(view, plan.parts, object({ savepointNonce: 2 }), 'op-1', NOW);
  t.equal(again.triggerSavepoint, undefined, 'the same nonce is not acted on twice');
});

t.test('savepointNonce while SUSPENDED: blocked, with a Warning', async (t) => {
  const obj = object();
  const { view, parts } = viewOf(obj, 'SUSPENDED');
  const plan = planUpdate(view, parts, object({ savepointNonce: 1 }), 'op-1', NOW);
  t.equal(plan.triggerSavepoint, undefined);
  t.match(plan.parts.savepointNonce, { nonce: 1, outcome: 'Blocked', message: /SUSPENDED/ });
  t.match(plan.events, [{ type: 'Warning', reason: 'SavepointBlocked' }]);
});

t.test('restartNonce: a template annotation makes the platform upgrade (restart) the job', async (t) => {
  const obj = object();
  const { view, parts } = viewOf(obj);
  const plan = planUpdate(view, parts, object({ restartNonce: 5 }), 'op-1', NOW);
  t.ok(plan.projected);
  t.same(plan.body?.spec, { template: { metadata: { annotations: { [RESTART_ANNOTATION]: '5' } } } });
  t.match(plan.parts.restartNonce, { nonce: 5, outcome: 'Triggered', fromJobId: 'j-1' });
  t.match(plan.events, [{ type: 'Normal', reason: 'RestartTriggered' }]);
});

t.test('restartNonce while CANCELLED, or with upgradeStrategy NONE: blocked', async (t) => {
  const obj = object();
  const cancelled = viewOf(obj, 'CANCELLED');
  const p1 = planUpdate(cancelled.view, cancelled.parts, object({ restartNonce: 1 }), 'op-1', NOW);
  t.equal(p1.body?.spec, undefined);
  t.match(p1.parts.restartNonce, { outcome: 'Blocked' });
  t.match(p1.events, [{ type: 'Warning', reason: 'RestartBlocked' }]);
  const none = viewOf(obj);
  none.view.deployment.spec.upgradeStrategy = { kind: 'NONE' };
  const p2 = planUpdate(none.view, none.parts, object({ restartNonce: 1 }), 'op-1', NOW);
  t.match(p2.parts.restartNonce, { outcome: 'Blocked', message: /NONE/ });
});

t.test('Autopilot holding the state: RUNNING is not projected', async (t) => {
  const obj = object();
  const { view, parts } = viewOf(obj);
  view.autopilot = { mode: 'AUTOPILOT_MODE_ACTIVE', runtimeParallelism: 4 };
  view.deployment.spec.state = 'CANCELLED';
  const next = object();
  next.spec.deployment.spec!.template!.spec!.numberOfTaskManagers = 3;
  const plan = planUpdate(view, parts, next, 'op-1', NOW);
  t.equal((plan.body?.spec as DeploymentWrite['spec'])?.state, undefined);
  t.equal((plan.body?.spec as Deployment['spec']).template?.spec?.parallelism, 2, 'the desired parallelism is the spec\'s; Autopilot scales at runtime');
  t.match(plan.events, [{ reason: 'Projected' }, { type: 'Warning', reason: 'AutopilotOverride' }]);
});

t.test('an initial savepoint added later is registered once', async (t) => {
  const obj = object();
  const { view, parts } = viewOf(obj, 'CANCELLED');
  const plan = planUpdate(view, parts, object({ initialSavepointSpec: { savepointLocation: 's3://b/sp' } }), 'op-1', NOW);
  t.equal(plan.registerSavepoint, 's3://b/sp');
  plan.parts.initialSavepoint = { location: 's3://b/sp', savepointId: 'sp-9' };
  t.equal(planUpdate(view, plan.parts, object({ initialSavepointSpec: { savepointLocation: 's3://b/sp' } }), 'op-1', NOW).registerSavepoint, undefined);
});

t.test('platform → Kubernetes object: identity, exact spec, metadata and live status', async (t) => {
  const obj = object({ savepointNonce: 1 }, { labels: { app: 'x' }, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"a":1}\n' } });
  const { view, parts } = viewOf(obj);
  view.job = { metadata: { id: 'j-1', namespace: 'default', createdAt: '2026-11-24T11:05:00Z' }, status: { state: 'STARTED', started: { startedAt: '2026-11-24T11:06:00Z' } } };
  view.savepoints = [
    { metadata: { id: 'sp-old', namespace: 'default', createdAt: '2026-11-24T09:00:00Z', origin: 'SUSPEND' }, spec: { savepointLocation: 's3://old' }, status: { state: 'COMPLETED' } },
    { metadata: { id: 'sp-new', namespace: 'default', createdAt: '2026-11-24T11:20:00Z', origin: 'USER_REQUEST' }, spec: { savepointLocation: 's3://new' }, status: { state: 'STARTED' } },
  ];
  const k = toVvpDeployment(view, parts);
  t.equal(k.apiVersion, 'ververica.platform/v1');
  t.equal(k.kind, 'VvpDeployment');
  t.match(k.metadata, { name: 'top-speed', namespace: 'flink', uid: 'd-1', generation: 1, creationTimestamp: '2026-11-24T12:00:00Z', labels: { app: 'x' } });
  t.equal(k.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'], '{"a":1}\n');
  // The suffix: the deployment's resourceVersion 5, the job's lifecycle step (STARTED 2), the savepoints' (COMPLETED 1, STARTED 0).
  t.equal(k.metadata.resourceVersion, String(Date.parse('2026-11-24T11:30:00Z') * 1000 + 5 + 2 + 1));
  t.equal(k.metadata.deletionTimestamp, undefined);
  t.equal(JSON.stringify(k.spec), JSON.stringify(obj.spec), 'the spec as submitted');
  t.notOk(JSON.stringify(k.spec).includes('k8s.ververica.platform'), 'no reserved keys in spec');
  t.match(k.status, {
    deploymentId: 'd-1', observedGeneration: 1, state: 'RUNNING',
    job: { id: 'j-1', state: 'STARTED', startedAt: '2026-11-24T11:06:00Z' },
    parallelism: { desired: 2 },
    lastSavepoint: { id: 'sp-new', location: 's3://new', state: 'STARTED', origin: 'USER_REQUEST' },
    observedSavepointNonce: 1,
  });
  t.equal(k.status?.conditions.length, 8);
  t.equal(platformToKube(view)?.metadata.uid, 'd-1');
  t.equal(platformToKube({ deployment: { ...view.deployment, metadata: { ...view.deployment.metadata, annotations: {} } } }), undefined);
});

t.test('the record of a deletion shows as deletionTimestamp', async (t) => {
  const obj = object();
  const { view, parts } = viewOf(obj);
  parts.deletion = { timestamp: '2026-11-24T12:30:00Z', policy: 'Cancel' };
  view.deployment.metadata.annotations = { ...view.deployment.metadata.annotations, ...encodeKubeParts(parts, 'op-1').annotations };
  t.equal(platformToKube(view)?.metadata.deletionTimestamp, '2026-11-24T12:30:00Z');
});

t.test('a spec change written over a FAILED deployment marks that failure; one that changes nothing on the platform does not', async (t) => {
  const obj = object();
  const { view, parts } = viewOf(obj);
  view.deployment.status = { state: 'FAILED' };
  view.job = { metadata: { id: 'j-1', namespace: 'default' }, status: { state: 'FAILED' } };
  const fix = object();
  fix.spec.deployment.spec!.template!.spec!.artifact = { kind: 'JAR', jarUri: 's3://b/fixed.jar' };
  const plan = planUpdate(view, parts, fix, 'op-1', NOW);
  t.same(plan.parts.supersededFailure, { generation: 2, at: '2026-11-24T12:00:00Z', resourceVersion: 6, jobId: 'j-1' },
    'the failure the fix was written over, and the platform resourceVersion the write makes (5 read, conditional)');
  t.same(decodeKubeParts(plan.body?.metadata?.annotations as Record<string, string>)?.supersededFailure, plan.parts.supersededFailure, 'recorded on the platform');

  const labelsOnly = object();
  labelsOnly.spec.deployment.metadata!.labels = { team: 'b' };
  t.equal(planUpdate(view, parts, labelsOnly, 'op-1', NOW).parts.supersededFailure, undefined, 'a metadata change does not make the platform act');
  view.deployment.status = { state: 'RUNNING' };
  t.equal(planUpdate(view, { ...parts, supersededFailure: plan.parts.supersededFailure }, fix, 'op-1', NOW).parts.supersededFailure, undefined, 'a projection over a running deployment clears the mark');
});
