import t from 'tap';
import {
  ANNOTATION, LABEL, MANAGED_BY_LABEL, MalformedRecordError, decodeKubeParts, encodeKubeParts, isManagedBy, managedSelector,
  mergeMetadata, nameLabelValue, withoutReserved, type KubeParts,
} from '../../../apiserver/vvpdeployment/trust/annotations.js';

const lastApplied = '{"apiVersion":"ververica.platform/v1","kind":"VvpDeployment","metadata":{"annotations":{},"name":"top-speed"},"spec":{"syncingMode":"PATCH","note":"ünïcødé \\"quoted\\" \\n and 1.0"}}\n';

function parts(): KubeParts {
  return {
    namespace: 'flink',
    name: 'top-speed',
    spec: { syncingMode: 'PATCH', deployment: { metadata: { name: 'top-speed', namespace: 'default' }, spec: { state: 'RUNNING' } }, savepointNonce: 3 },
    generation: 4,
    creationTimestamp: '2026-11-24T10:00:00Z',
    labels: { app: 'speed', 'ververica.platform/owner': 'op-1' },
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied, empty: '' },
    managedFields: [{ manager: 'kubectl', operation: 'Apply', apiVersion: 'ververica.platform/v1', time: '2026-11-24T10:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:syncingMode': {} } } }],
    finalizers: ['example.com/keep'],
    ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: 'u-1', controller: true }],
    deletion: { timestamp: '2026-11-24T11:00:00Z', policy: 'Suspend' },
    savepointNonce: { nonce: 3, outcome: 'Triggered', at: '2026-11-24T10:30:00Z', savepointId: 'sp-1' },
    restartNonce: { nonce: 1, outcome: 'Blocked', at: '2026-11-24T10:31:00Z', message: 'not RUNNING' },
    initialSavepoint: { location: 's3://b/sp', savepointId: 'sp-0' },
    projectedMode: 'PUT',
  };
}

t.test('every Kubernetes part round-trips exactly through platform annotations', async (t) => {
  const p = parts();
  const { annotations } = encodeKubeParts(p, 'op-1');
  for (const v of Object.values(annotations)) t.type(v, 'string');
  const back = decodeKubeParts(JSON.parse(JSON.stringify(annotations)) as Record<string, string>);
  t.same(back, p);
  t.equal(back?.annotations?.['kubectl.kubernetes.io/last-applied-configuration'], lastApplied, 'last-applied byte for byte');
  t.equal(JSON.stringify(back?.spec), JSON.stringify(p.spec), 'spec byte for byte, key order included');
});

t.test('absent parts are written as null so that a merging PATCH clears them, and read back as absent', async (t) => {
  const p: KubeParts = { namespace: 'flink', name: 'x', spec: { syncingMode: 'PUT', deployment: {} }, generation: 1, creationTimestamp: '2026-11-24T10:00:00Z' };
  const { annotations } = encodeKubeParts(p, 'op-1');
  t.equal(annotations[ANNOTATION.deletion], 'null');
  t.equal(annotations[ANNOTATION.finalizers], 'null');
  t.same(decodeKubeParts(annotations), p);
});

t.test('labels make the object findable by Kubernetes namespace and name, and mark the owner instance', async (t) => {
  const { labels } = encodeKubeParts(parts(), 'op-1');
  t.same(labels, { [MANAGED_BY_LABEL]: 'op-1', [LABEL.namespace]: 'flink', [LABEL.name]: 'top-speed' });
  t.same(managedSelector('op-1', 'flink', 'top-speed'), labels);
  t.same(managedSelector('op-1'), { [MANAGED_BY_LABEL]: 'op-1' });
  t.ok(isManagedBy(labels, 'op-1'));
  t.notOk(isManagedBy(labels, 'op-2'));
  t.notOk(isManagedBy(undefined, 'op-1'));
});

t.test('names that do not fit a label value are hashed, stably', async (t) => {
  t.equal(nameLabelValue('a.b-c'), 'a.b-c');
  const long = 'x'.repeat(200);
  const h = nameLabelValue(long);
  t.match(h, /^h-[0-9a-f]{40}$/);
  t.equal(nameLabelValue(long), h);
  t.not(nameLabelValue('y'.repeat(200)), h);
});

t.test('a platform deployment without a record is not ours to show', async (t) => {
  t.equal(decodeKubeParts(undefined), undefined);
  t.equal(decodeKubeParts({ 'com.dataartisans.appmanager.controller.deployment.spec.version': '3' }), undefined);
});

t.test('a damaged record is an error naming the annotation', async (t) => {
  const { annotations } = encodeKubeParts(parts(), 'op-1');
  t.throws(() => decodeKubeParts({ ...annotations, [ANNOTATION.labels]: '{not json' }), MalformedRecordError);
  t.throws(() => decodeKubeParts({ ...annotations, [ANNOTATION.generation]: 'zero' }), { message: /generation/ });
});

t.test('users never see reserved keys; writes keep theirs and add ours', async (t) => {
  const platform = { team: 'a', [MANAGED_BY_LABEL]: 'op-1', [LABEL.name]: 'x' };
  t.same(withoutReserved(platform), { team: 'a' });
  t.same(mergeMetadata({ team: 'b', [LABEL.name]: 'forged' }, { [LABEL.name]: 'x' }), { team: 'b', [LABEL.name]: 'x' });
});
