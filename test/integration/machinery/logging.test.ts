import t from 'tap';
import { WIDGETS, admin, startHarness } from './harness.js';

const lines: string[] = [];
const h = await startHarness({ logLines: lines });
t.teardown(() => h.close());

t.test('JSON logs carry kube-apiserver\'s Audit-ID; the response echoes it', async (t) => {
  const res = await h.request(admin, 'GET', WIDGETS, { headers: { 'Audit-ID': 'a1b2c3' } });
  t.equal(res.headers['audit-id'], 'a1b2c3');
  const entries = lines.map((l) => JSON.parse(l) as { auditID?: string; msg?: string });
  t.ok(entries.some((e) => e.auditID === 'a1b2c3' && e.msg === 'request completed'));
  const generated = await h.request(admin, 'GET', WIDGETS);
  t.match(generated.headers['audit-id'], /^[0-9a-f-]{36}$/, 'a direct request gets an id of its own');
});

t.test('no token, key or internal error detail is logged or returned', async (t) => {
  await h.request({ kind: 'token', token: 'good-token' }, 'GET', WIDGETS);
  await h.request({ kind: 'token', token: 'wrong-secret-token' }, 'GET', WIDGETS);
  const original = h.storage.list.bind(h.storage);
  h.storage.list = async () => {
    throw new Error('db password=hunter2');
  };
  const failed = await h.request(admin, 'GET', WIDGETS);
  h.storage.list = original;
  t.notMatch(failed.text, /hunter2/, 'the client never sees internals');
  const all = lines.join('\n');
  t.notMatch(all, /good-token|wrong-secret-token/);
  t.notMatch(all, /PRIVATE KEY/);
  t.ok(lines.every((l) => typeof JSON.parse(l) === 'object'), 'every line is JSON');
});
