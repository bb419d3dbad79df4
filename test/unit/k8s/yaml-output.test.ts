// YAML answers: a client that asks for application/yaml first gets YAML (as kube-apiserver answers a CRD), keys sorted
// and lists at their key's indentation; JSON, transforms and watches are left alone.
import t from 'tap';
import { negotiateOutput } from '../../../apiserver/k8s/serve/negotiation.js';
import { jsonToYaml, prefersYaml } from '../../../apiserver/k8s/serve/yaml-output.js';
import { queryBool } from '../../../apiserver/k8s/handlers/common.js';

t.test('application/yaml first is YAML; JSON or */* first is not; a transform is never YAML', async (t) => {
  t.ok(prefersYaml('application/yaml'));
  t.ok(prefersYaml('application/vnd.kubernetes.protobuf, application/yaml, application/json'));
  t.notOk(prefersYaml('application/json, application/yaml'));
  t.notOk(prefersYaml('*/*'));
  t.notOk(prefersYaml(undefined));
  t.notOk(prefersYaml('application/yaml;as=Table;v=v1;g=meta.k8s.io'));
});

t.test('negotiation serves YAML for reads, not for watches', async (t) => {
  t.same(negotiateOutput('application/yaml', { list: true, watch: false, transforms: true }), { kind: 'object' });
  t.throws(() => negotiateOutput('application/yaml', { list: true, watch: true, transforms: true }));
});

t.test('the YAML of an object: keys sorted, sequences not indented under their key', async (t) => {
  const text = jsonToYaml(JSON.stringify({ kind: 'K', apiVersion: 'g/v1', metadata: { name: 'a', finalizers: ['x', 'z'] }, spec: { size: 1, mode: 'PUT' } }));
  t.equal(text, 'apiVersion: g/v1\nkind: K\nmetadata:\n  finalizers:\n  - x\n  - z\n  name: a\nspec:\n  mode: PUT\n  size: 1\n');
});

t.test('watch=bogus is a watch, as kube\'s parameter codec reads booleans', async (t) => {
  for (const v of ['true', '1', 'bogus', '', 'True']) t.ok(queryBool(v), v);
  for (const v of [undefined, '0', 'false', 'FALSE']) t.notOk(queryBool(v), String(v));
});
