import t from 'tap';
import { thrownStatus } from './thrown.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from '../../../apiserver/k8s/list/selectors.js';
import type { KubeObject } from '../../../apiserver/k8s/types.js';

t.test('a malformed label selector is refused with the words of kube\'s parser (k8s.io/apimachinery pkg/labels)', async (t) => {
  const cases: Record<string, string> = {
    'tier===': "unable to parse requirement: found '=', expected: identifier",
    'a b': "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt",
    'tier in web': "unable to parse requirement: found 'web' expected: '('",
    'a=b c': "found 'c', expected: ',' or 'end of string'",
    'a,': "found '', expected: identifier after ','",
    '=a': "found '=', expected: !, identifier, or 'end of string'",
    'x in (a b)': "unable to parse requirement: found 'b', expected: ',' or ')'",
  };
  for (const [selector, message] of Object.entries(cases)) {
    const status = thrownStatus(() => parseLabelSelector(selector));
    t.match(status, { code: 400, reason: 'BadRequest' }, selector);
    t.equal(status?.message, message, selector);
  }
  t.same(parseLabelSelector('x in (in),!y'), [{ key: 'x', operator: 'In', values: ['in'] }, { key: 'y', operator: 'DoesNotExist', values: [] }]);
  t.same(parseLabelSelector('x in (,a)'), [{ key: 'x', operator: 'In', values: ['', 'a'] }]);
});

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
