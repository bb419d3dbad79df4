import t from 'tap';
import { camelReason, mirroredEvent, shouldMirror } from '../../../apiserver/vvpdeployment/read/events.js';

const pe = { metadata: { id: 'e-1', namespace: 'default', name: 'JOB_SUCCESSFULLY_STARTED', createdAt: '2026-11-24T10:00:00Z', deploymentId: 'd-1' }, spec: { message: 'Job j-1 successfully started.' } };

t.test('a platform event becomes a Kubernetes Event keyed by the platform event id (exactly once across replicas)', async (t) => {
  t.same(mirroredEvent(pe), { type: 'Normal', reason: 'JobSuccessfullyStarted', message: 'Job j-1 successfully started.', key: 'vvp-event/e-1', time: new Date('2026-11-24T10:00:00Z') });
  t.equal(mirroredEvent({ ...pe, metadata: { ...pe.metadata, name: 'TOO_MANY_FAILED_JOB_CREATION_ATTEMPTS' } }).type, 'Warning');
  t.equal(mirroredEvent({ ...pe, spec: { message: 'x', type: 'Warning' } as { message: string } }).type, 'Warning');
  t.equal(mirroredEvent({ ...pe, metadata: { ...pe.metadata, createdAt: 'garbage' } }).time, undefined);
  t.equal(camelReason(undefined), 'External');
});

t.test('only the deployment\'s own events, and not the ones the server wrote', async (t) => {
  t.ok(shouldMirror(pe, 'd-1'));
  t.notOk(shouldMirror(pe, 'd-2'));
  t.notOk(shouldMirror({ ...pe, spec: { message: 'Kubernetes API server triggered savepoint s (savepointNonce=1)' } }, 'd-1'));
});
