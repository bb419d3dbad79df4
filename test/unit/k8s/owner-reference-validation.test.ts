// ownerReferences as kube-apiserver v1.37.2 validates them (ValidateOwnerReferences): the garbage collector matches
// owners by uid, so a reference without one is refused; at most one reference is the controller.
import t from 'tap';
import { objectMetaCauses } from '../../../apiserver/k8s/strategy/object-meta-validation.js';
import { ownerReferenceCauses } from '../../../apiserver/k8s/strategy/owner-reference-validation.js';

t.test('a reference without uid, kind or name is refused at the missing field', async (t) => {
  t.same(ownerReferenceCauses([{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: '' }]), [
    { type: 'FieldValueRequired', field: 'metadata.ownerReferences[0].uid', message: 'Required value: must not be empty' },
  ]);
  t.same(ownerReferenceCauses([{ apiVersion: 'a/b/c', uid: 'u' }]).map((c) => c.field), [
    'metadata.ownerReferences[0].apiVersion', 'metadata.ownerReferences[0].kind', 'metadata.ownerReferences[0].name',
  ]);
});

t.test('two controllers: one cause at the list, naming both, with the list as Go writes it', async (t) => {
  const refs = [
    { apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'u1', controller: true },
    { apiVersion: 'v1', kind: 'ConfigMap', name: 'y', uid: 'u2', controller: true, blockOwnerDeletion: false },
  ];
  t.same(ownerReferenceCauses(refs), [{
    type: 'FieldValueInvalid', field: 'metadata.ownerReferences',
    message: `Invalid value: ${JSON.stringify(refs)}: Only one reference can have Controller set to true. Found "true" in references for ConfigMap/x and ConfigMap/y`,
  }]);
});

t.test('an Event of the core group may not own anything; valid references have no causes', async (t) => {
  t.match(ownerReferenceCauses([{ apiVersion: 'v1', kind: 'Event', name: 'e', uid: 'u' }]), [{ field: 'metadata.ownerReferences[0]', message: /\/v1, Kind=Event is disallowed from being an owner$/ }]);
  t.same(ownerReferenceCauses([{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: 'u', controller: true }]), []);
});

t.test('ObjectMeta validation reports them between annotations and finalizers, as kube', async (t) => {
  const causes = objectMetaCauses({ name: 'a', finalizers: ['Not Valid'], ownerReferences: [{ apiVersion: 'v1', kind: 'K', name: 'n', uid: '' }] });
  t.same(causes.map((c) => c.field), ['metadata.ownerReferences[0].uid', 'metadata.finalizers']);
});
