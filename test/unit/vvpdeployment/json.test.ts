import t from 'tap';
import { deepMerge } from '../../../apiserver/vvpdeployment/decide/json.js';

t.test('deepMerge merges objects recursively, replaces everything else, and changes neither input', async (t) => {
  const base = { a: 1, spec: { state: 'RUNNING', template: { parallelism: 1, labels: { x: 'y' } }, list: [1, 2] }, z: 'kept' };
  const over = { spec: { template: { parallelism: 4 }, list: [3], added: { n: 1 } }, a: undefined, b: 'new' };
  const merged = deepMerge(base, over);
  t.same(merged, { a: 1, spec: { state: 'RUNNING', template: { parallelism: 4, labels: { x: 'y' } }, list: [3], added: { n: 1 } }, z: 'kept', b: 'new' });
  t.same(Object.keys(merged), ['a', 'spec', 'z', 'b'], "base's keys in their order, then the new ones");
  t.same(Object.keys(merged.spec), ['state', 'template', 'list', 'added']);
  (merged.spec.template.labels as Record<string, string>).x = 'changed';
  (merged.spec as { added?: { n: number } }).added!.n = 2;
  t.equal(base.spec.template.labels.x, 'y', 'base untouched');
  t.equal(over.spec.added.n, 1, 'over untouched');
  t.same(deepMerge(base, undefined), base, 'nothing over: a copy of base');
  t.not(deepMerge(base, undefined), base);
  t.same(deepMerge({ a: 1 }, [1]), [1], 'a non-object replaces');
});
