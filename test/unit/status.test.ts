import t from 'tap';
import { statusErrors, wireStatus } from '../../apiserver/k8s/status.js';

t.test('a 422 names every bad field, in kube-apiserver wording', async (t) => {
  const err = statusErrors.invalid('ververica.platform', 'VvpDeployment', 'top-speed', [
    { type: 'FieldValueRequired', field: 'spec.syncingMode', message: 'Required value' },
    { type: 'FieldValueInvalid', field: 'spec.savepointNonce', message: 'must be an integer' },
  ]);
  t.equal(err.code, 422);
  t.equal(err.status.reason, 'Invalid');
  t.equal(err.status.details?.causes?.length, 2);
  t.equal(err.message, 'VvpDeployment.ververica.platform "top-speed" is invalid: [spec.syncingMode: Required value, spec.savepointNonce: must be an integer]');
});

t.test('a 503 tells the client when to come back', async (t) => {
  const err = statusErrors.serviceUnavailable('Ververica Platform is unreachable', 7);
  t.equal(err.code, 503);
  t.equal(err.status.details?.retryAfterSeconds, 7);
});

t.test('on the wire a cause\'s type is "reason" (metav1.StatusCause), as kubectl and client-go read it', async (t) => {
  const err = statusErrors.invalid('ververica.platform', 'VvpDeployment', 'x', [{ type: 'FieldValueRequired', field: 'spec.deployment', message: 'Required value' }]);
  const wire = wireStatus(err.status) as { details: { causes: unknown[]; name: string } };
  t.same(wire.details.causes, [{ reason: 'FieldValueRequired', field: 'spec.deployment', message: 'Required value' }]);
  t.equal(wire.details.name, 'x');
  t.same(err.status.details?.causes?.[0], { type: 'FieldValueRequired', field: 'spec.deployment', message: 'Required value' }, 'the error itself is unchanged');
  const plain = statusErrors.notFoundPath().status;
  t.equal(wireStatus(plain), plain, 'without causes: sent as it is');
});
