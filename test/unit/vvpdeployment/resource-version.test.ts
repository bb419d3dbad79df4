import t from 'tap';
import {
  checkResourceVersion, deriveResourceVersion, listResourceVersion, parseResourceVersion,
} from '../../../apiserver/vvpdeployment/decide/resource-version.js';

const ref = { group: 'ververica.platform', resource: 'vvpdeployments', name: 'top-speed' };

t.test('RV = newest platform timestamp in ms * 1000 + platform resourceVersion mod 1000', async (t) => {
  const ms = Date.parse('2026-11-24T10:00:00.123Z');
  t.equal(deriveResourceVersion(7, ['2026-11-24T10:00:00.123Z']), String(ms * 1000 + 7));
  t.equal(deriveResourceVersion(1234, ['2026-11-24T10:00:00.123Z', undefined, 'garbage', '2026-11-24T09:00:00Z']), String(ms * 1000 + 234));
  t.equal(deriveResourceVersion(5, []), '5');
});

t.test('a status-only change on the platform gives a new, larger RV', async (t) => {
  const before = deriveResourceVersion(7, ['2026-11-24T10:00:00Z']);
  const after = deriveResourceVersion(7, ['2026-11-24T10:00:00Z', '2026-11-24T10:05:00Z']);
  t.ok(Number(after) > Number(before));
});

t.test('two writes within one millisecond differ by the platform resourceVersion', async (t) => {
  const a = deriveResourceVersion(41, ['2026-11-24T10:00:00Z']);
  const b = deriveResourceVersion(42, ['2026-11-24T10:00:00Z']);
  t.ok(Number(b) > Number(a));
});

t.test('every replica derives the same RV from the same platform state', async (t) => {
  t.equal(deriveResourceVersion(9, ['2026-11-24T10:00:00Z', '2026-11-24T10:01:00Z']), deriveResourceVersion(9, ['2026-11-24T10:01:00Z', '2026-11-24T10:00:00Z']));
});

t.test('parsing and list RVs', async (t) => {
  t.equal(parseResourceVersion('123'), 123);
  t.equal(parseResourceVersion('0'), 0);
  t.equal(parseResourceVersion('-1'), undefined);
  t.equal(parseResourceVersion('01'), undefined);
  t.equal(parseResourceVersion('abc'), undefined);
  t.equal(parseResourceVersion(undefined), undefined);
  t.equal(listResourceVersion(['5', '17', '3']), '17');
  t.equal(listResourceVersion([]), '0');
});

t.test('an update with a stale RV is a 409 Conflict; none given means no precondition', async (t) => {
  t.doesNotThrow(() => checkResourceVersion(undefined, '10', ref));
  t.doesNotThrow(() => checkResourceVersion('10', '10', ref));
  t.throws(() => checkResourceVersion('9', '10', ref), { code: 409, reason: 'Conflict', message: /the object has been modified/ });
});
