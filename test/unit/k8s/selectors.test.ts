import t from 'tap';
import { thrownStatus } from './thrown.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from '../../../apiserver/k8s/list/selectors.js';
import type { KubeObject } from '../../../apiserver/k8s/types.js';

t.test('label selectors: equality, set-based, existence', async (t) => {
  t.same(parseLabelSelector('a=b,c!=d,e in (x, y),f notin (z),g,!h,i==j'), [
    { key: 'a', operator: 'Equals', values: ['b'] },
    { key: 'c', operator: 'NotEquals', values: ['d'] },
    { key: 'e', operator: 'In', values: ['x', 'y'] },
    { key: 'f', operator: 'NotIn', values: ['z'] },
    { key: 'g', operator: 'Exists', values: [] },
    { key: 'h', operator: 'DoesNotExist', values: [] },
    { key: 'i', operator: 'Equals', values: ['j'] },
  ]);
  t.same(parseLabelSelector(''), []);
  t.same(parseLabelSelector('app.kubernetes.io/name=web'), [{ key: 'app.kubernetes.io/name', operator: 'Equals', values: ['web'] }]);
  t.match(thrownStatus(() => parseLabelSelector('a=b c')), { code: 400 });
  t.match(thrownStatus(() => parseLabelSelector('-bad=x')), { code: 400 });
});

t.test('label matching follows pkg/labels: NotIn and != match a missing key', async (t) => {
  const labels = { app: 'web', tier: 'front' };
  t.ok(matchesLabels(labels, parseLabelSelector('app=web,tier in (front,back)')));
  t.notOk(matchesLabels(labels, parseLabelSelector('app!=web')));
  t.ok(matchesLabels(labels, parseLabelSelector('missing!=x,missing notin (y)')));
  t.notOk(matchesLabels(labels, parseLabelSelector('missing in (y)')));
  t.ok(matchesLabels(undefined, parseLabelSelector('!app')));
  t.notOk(matchesLabels(labels, parseLabelSelector('!app')));
});

t.test('field selectors: metadata.name and metadata.namespace only, with escapes', async (t) => {
  t.same(parseFieldSelector('metadata.name=a,metadata.namespace!=b'), [
    { field: 'metadata.name', operator: 'Equals', value: 'a' },
    { field: 'metadata.namespace', operator: 'NotEquals', value: 'b' },
  ]);
  t.same(parseFieldSelector('metadata.name==a\\,b'), [{ field: 'metadata.name', operator: 'Equals', value: 'a,b' }]);
  t.throws(() => parseFieldSelector('spec.x=1'), { message: 'field label not supported: spec.x' });
  const o: KubeObject = { apiVersion: 'v1', kind: 'X', metadata: { name: 'a', namespace: 'n' } };
  t.ok(matchesFields(o, parseFieldSelector('metadata.name=a,metadata.namespace=n')));
  t.notOk(matchesFields(o, parseFieldSelector('metadata.namespace!=n')));
});
