import t from 'tap';
import { statusErrors } from '../../../apiserver/k8s/status.js';
import { NamespaceOccupancy } from '../../../apiserver/vvpdeployment/read/occupancy.js';

function occupancy() {
  let clock = 0;
  return { occupancy: new NamespaceOccupancy(['default', 'team-a'], () => ++clock) };
}

t.test('known empty only once every platform namespace was listed without objects of that namespace', async (t) => {
  const { occupancy: o } = occupancy();
  t.notOk(o.knownEmpty('apps'), 'never listed: unknown');
  o.listing('default')(['flink']);
  t.notOk(o.knownEmpty('apps'), 'team-a not listed yet: unknown');
  o.listing('team-a')([]);
  t.ok(o.knownEmpty('apps'));
  t.notOk(o.knownEmpty('flink'));
  o.listing('default')([]);
  t.ok(o.knownEmpty('flink'), 'a newer listing without it');
});

t.test('a listing that finishes after a newer one does not win; a create during a listing stays counted', async (t) => {
  const { occupancy: o } = occupancy();
  o.listing('team-a')([]);
  const older = o.listing('default');
  o.listing('default')(['flink']);
  older([]);
  t.notOk(o.knownEmpty('flink'), 'the older, emptier listing was ignored');

  const during = o.listing('default');
  o.occupy('default', 'apps');
  during(['flink']);
  t.notOk(o.knownEmpty('apps'), 'created after the listing started');
  o.listing('default')(['flink']);
  t.ok(o.knownEmpty('apps'), 'until a listing that started after the create shows it gone');
});

t.test('answersEmpty: only for the platform being unavailable, only for one known-empty namespace', async (t) => {
  const { occupancy: o } = occupancy();
  o.listing('default')(['flink']);
  o.listing('team-a')([]);
  const down = statusErrors.serviceUnavailable('Ververica Platform at http://vvp is unreachable', 5);
  t.ok(o.answersEmpty(down, 'apps'));
  t.ok(o.answersEmpty(statusErrors.timeout('no answer in time', 2), 'apps'), '504');
  t.notOk(o.answersEmpty(down, 'flink'), 'a namespace with objects');
  t.notOk(o.answersEmpty(down, undefined), 'all namespaces');
  t.notOk(o.answersEmpty(statusErrors.forbidden('no', { group: 'g', resource: 'r' }), 'apps'), 'a refusal');
  t.notOk(o.answersEmpty(new Error('bug'), 'apps'), 'a bug');
});
