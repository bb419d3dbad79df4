// The server's own bounds, end to end through fastify: a request that takes too long is answered 504 and its work
// cancelled; a URL that could be read two ways is refused before authorization; a YAML bomb is refused while the
// server keeps answering.
import t from 'tap';
import { developer, WIDGETS, admin, startHarness, widget } from './harness.js';
import { yamlAliasBomb } from '../../support/hostile.js';

// Long enough that no ordinary request here comes near it on a loaded machine; the never-answered one waits it out.
const h = await startHarness({ requestTimeoutMs: 5_000 });
t.teardown(() => h.close());

t.test('a request the storage never answers ends with 504 after the request timeout, and its work is cancelled', async (t) => {
  const original = h.storage.get.bind(h.storage);
  let cancelled = false;
  h.storage.get = (ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => { cancelled = true; reject(new Error('aborted')); }));
  t.teardown(() => { h.storage.get = original; });
  const res = await h.request(admin, 'GET', `${WIDGETS}/slow`);
  t.equal(res.status, 504);
  t.match(res.json, { kind: 'Status', reason: 'Timeout', code: 504 });
  t.equal(res.headers['retry-after'], '2');
  t.ok(cancelled, 'the storage call saw its signal abort');
});

t.test('a URL read two ways is refused with 400 before any authorization', async (t) => {
  await h.request(admin, 'POST', WIDGETS, { body: widget('target', 'default', { image: 'x' }) });
  const reviews = h.sarRequests.length;
  for (const path of [`${WIDGETS}/target#/status`, `${WIDGETS}?fieldSelector=metadata.namespace!=a%ZZ%2Cmetadata.name%3Dallowed`, `${WIDGETS}/a%00b`]) {
    const res = await h.request(developer, 'GET', path);
    t.equal(res.status, 400, `${path}: ${res.text}`);
    t.equal(res.json.kind, 'Status');
  }
  t.equal(h.sarRequests.length, reviews, 'no SubjectAccessReview was asked for them');
  const fine = await h.request(developer, 'GET', `${WIDGETS}?fieldSelector=metadata.name%3Dtarget`);
  t.equal(fine.status, 200, 'the same query, well encoded, is served');
  t.equal(h.sarRequests.at(-1)?.resourceAttributes?.name, 'target', 'and authorized for the name the handler filters by');
});

t.test('a YAML alias bomb is refused with 413 and the server keeps answering', async (t) => {
  const res = await h.request(admin, 'POST', WIDGETS, { body: yamlAliasBomb(12), contentType: 'application/yaml' });
  t.equal(res.status, 413, res.text);
  t.equal(res.json.reason, 'RequestEntityTooLarge');
  t.equal((await h.request(admin, 'GET', '/livez')).status, 200);
});

t.test('a request whose body has been read is not cancelled by that (only the timeout or the client going away cancels)', async (t) => {
  const original = h.storage.create.bind(h.storage);
  let abortedMeanwhile: boolean | undefined;
  h.storage.create = async (ctx, object) => {
    await new Promise((r) => setTimeout(r, 300));
    abortedMeanwhile = ctx.signal.aborted;
    return original(ctx, object);
  };
  t.teardown(() => { h.storage.create = original; });
  const res = await h.request(admin, 'POST', WIDGETS, { body: widget('with-body', 'default', { image: 'x' }) });
  t.equal(res.status, 201, res.text);
  t.equal(abortedMeanwhile, false);
});
