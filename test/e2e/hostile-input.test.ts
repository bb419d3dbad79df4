// Hostile input straight to the server (as the front proxy, admin): ≥ 10,000 generated invalid bodies and patches.
// None may cause a 5xx, every answer is a Status, and none may reach the platform as a write. Then requests meant to
// freeze (YAML bombs), fool (URLs authorization and routing could read differently) or exhaust the server (oversized
// objects, stalled watchers, random-token floods), with /livez probed throughout; last, a restart with oversized
// deployments already on the platform.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { kubectl } from '../../tools/cluster/control-plane.js';
import { mergePatch } from '../../apiserver/k8s/fields/patch.js';
import { scenario } from '../support/product.js';
import { eventually } from '../support/eventually.js';
import {
  YAML_SELF_ALIAS, asAdminHeaders, frontProxyCert, hostileCase, httpsSender, livenessProbe, prng, randomToken, recordingSender, serverEndpoint,
  stalledWatch, statusKind, yamlAliasBomb, yamlDeepFlow, yamlMergeKeyBomb, type Generator, type HostileCase, type RawAnswer,
} from '../support/hostile.js';
import { restartServer, stopProcesses } from '../../apiservice/local/stack.js';

const { stack, cp, ns, platform, manifest: valid } = await scenario('hostile');

interface Problem { what: '5xx' | 'accepted' | 'not a Status' | 'no answer'; example: string }

/** What is wrong with the answer to a hostile case, if anything. */
function classify(c: HostileCase, res: RawAnswer): Problem['what'] | undefined {
  // Over the body limit the server may answer 413 and close before the client has written everything.
  if (res.error) return c.kind === 'huge body' && /EPIPE|ECONNRESET/.test(res.error) ? undefined : 'no answer';
  if (res.status >= 500) return '5xx';
  if (res.status < 400) return 'accepted';
  return statusKind(res.body) === 'Status' ? undefined : 'not a Status';
}

const CASES = 10_000;
const CONCURRENCY = 16;
const SERIAL_CASES = 400;
// 10,000 take ~60 s on two idle cores (about 50/s were measured under load 9). Every case is sent, however long it
// takes: the seed decides the cases, so a slow machine must not test fewer of them.
const SEED = 20261125;

const platformWrites = async () => (await platform<{ writes: number }>('GET', '/__emulator/requests')).body.writes;

/** The writes counter once the server's own follow-up writes of the setup are done. */
async function settledWrites(): Promise<number> {
  let last = await platformWrites();
  for (let i = 0; i < 20; i++) {
    await sleep(1500);
    const now = await platformWrites();
    if (now === last) return now;
    last = now;
  }
  return last;
}

t.before(async () => {
  const created = await kubectl(cp, ['apply', '-f', '-'], { input: JSON.stringify(valid('victim')) });
  if (created.code !== 0) throw new Error(created.stderr);
});

t.test(`${CASES} hostile requests: no 5xx, every answer a Status, no platform write`, async (t) => {
  const server = httpsSender(serverEndpoint(stack, await frontProxyCert(cp)), CONCURRENCY);
  t.teardown(server.close);
  const g: Generator = { valid, collection: `/apis/${stack.apiGroup}/v1/namespaces/${ns}/vvpdeployments`, target: 'victim' };
  const sane = await server.send({ path: `${g.collection}/victim`, headers: asAdminHeaders });
  t.equal(sane.status, 200, `the front-proxy identity works: ${sane.body.slice(0, 200)}`);

  const writesBefore = await settledWrites();
  const rand = prng(SEED);
  const byStatus = new Map<number, number>();
  const byKind = new Map<string, Map<string, number>>();
  const problems: Problem[] = [];
  let next = 0;
  const started = Date.now();
  const worker = async () => {
    while (next < CASES) {
      const n = next++;
      const c = hostileCase(n, rand, g);
      const res = await server.send({
        method: c.method, path: `${g.collection}${c.suffix}${c.query ? `?${c.query}` : ''}`,
        headers: { ...asAdminHeaders, accept: 'application/json', ...(c.contentType ? { 'content-type': c.contentType } : {}) }, body: c.body,
      });
      byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1);
      const outcomes = byKind.get(c.kind) ?? new Map<string, number>();
      byKind.set(c.kind, outcomes);
      const outcome = res.error ? `closed` : String(res.status);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      const problem = classify(c, res);
      if (problem) problems.push({ what: problem, example: `#${n} ${c.kind}: ${c.method}${c.query ? ` ?${c.query}` : ''} ${String(c.body).slice(0, 160)} → ${res.status || res.error} ${res.body.slice(0, 160)}` });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = Date.now() - started;
  const writesAfter = await settledWrites();

  const sent = [...byStatus.values()].reduce((a, b) => a + b, 0);
  const count = (pred: (p: Problem) => boolean) => problems.filter(pred);
  const examples = (ps: Problem[]) => [...new Map(ps.map((p) => [p.example.replace(/^#\d+ /, '').split(':')[0], p.example])).values()].slice(0, 8);
  t.comment(`hostile input: ${sent} requests in ${(elapsed / 1000).toFixed(1)}s (${Math.round(sent / (elapsed / 1000))}/s, ${CONCURRENCY} keep-alive connections, seed ${SEED}), ${byKind.size} kinds`);
  t.comment(`answers by status: ${[...byStatus.entries()].sort((a, b) => a[0] - b[0]).map(([s, c]) => `${s || 'closed'}×${c}`).join(' ')}`);
  for (const [kind, outcomes] of [...byKind.entries()].sort()) t.comment(`  ${kind}: ${[...outcomes.entries()].map(([o, c]) => `${o}×${c}`).join(' ')}`);
  const fiveXx = count((p) => p.what === '5xx');
  const notStatus = count((p) => p.what === 'not a Status');
  const accepted = count((p) => p.what === 'accepted');
  const unanswered = count((p) => p.what === 'no answer');
  t.comment(`5xx: ${fiveXx.length}; accepted (2xx): ${accepted.length}; not a Status (besides 2xx): ${notStatus.length}; no answer: ${unanswered.length}; platform writes delta: ${writesAfter - writesBefore}`);
  t.equal(sent, CASES, `every one of the ${CASES} requests sent and answered or closed`);
  t.same(examples(unanswered), [], `every request answered (${unanswered.length} not)`);
  t.same(examples(notStatus), [], `every refusal a Status (${notStatus.length} not)`);
  t.same(examples(fiveXx), [], `no 5xx answer (${fiveXx.length})`);
  t.same(examples(accepted), [], `no invalid request accepted (${accepted.length})`);
  t.equal(writesAfter - writesBefore, 0, 'no platform write caused by invalid input');

  // More of the same generator one request at a time, with the platform's write counter read after each, so that a
  // write would be attributed to the request that caused it.
  const serialBefore = await settledWrites();
  const serialStarted = Date.now();
  const serialRand = prng(SEED + 1);
  const serialProblems: Problem[] = [];
  const wrote = new Map<string, number>();
  let serial = 0;
  let writes = serialBefore;
  for (let n = CASES; serial < SERIAL_CASES && Date.now() - serialStarted < 60_000; n++) {
    const c = hostileCase(n, serialRand, g);
    serial++;
    const res = await server.send({
      method: c.method, path: `${g.collection}${c.suffix}${c.query ? `?${c.query}` : ''}`,
      headers: { ...asAdminHeaders, accept: 'application/json', ...(c.contentType ? { 'content-type': c.contentType } : {}) }, body: c.body,
    });
    const problem = classify(c, res);
    if (problem) serialProblems.push({ what: problem, example: `#${n} ${c.kind}: ${res.status} ${res.body.slice(0, 160)}` });
    const now = await platformWrites();
    if (now !== writes) {
      const key = `${c.kind} → ${res.status} ${((JSON.parse(res.body || '{}') as { message?: string }).message ?? '').slice(0, 120)}`;
      wrote.set(key, (wrote.get(key) ?? 0) + now - writes);
      writes = now;
    }
  }
  const serialDelta = (await settledWrites()) - serialBefore;
  t.comment(`one at a time: ${serial} requests in ${((Date.now() - serialStarted) / 1000).toFixed(1)}s, ${serialProblems.length} problems, platform writes delta ${serialDelta}`);
  for (const [key, count] of wrote) t.comment(`  platform writes after: ${key} (+${count})`);
  t.same(examples(serialProblems), [], 'no problem answer, one at a time');
  t.equal(serialDelta, 0, 'no platform write from invalid input, one at a time (the server refuses before the platform does)');

  const after = await server.send({ path: `${g.collection}/victim`, headers: asAdminHeaders });
  t.equal(after.status, 200, 'the server still answers normally afterwards');
});

t.test('nothing freezes, fools or exhausts it: YAML bombs, two readings of a URL, oversized objects, stalled watchers, random tokens', async (t) => {
  const proxyCert = await frontProxyCert(cp);
  const asProxy = httpsSender(serverEndpoint(stack, proxyCert), 8);
  const bare = httpsSender(serverEndpoint(stack), 16);
  t.teardown(() => { asProxy.close(); bare.close(); });
  const collection = `/apis/${stack.apiGroup}/v1/namespaces/${ns}/vvpdeployments`;
  const as = (user: string) => ({ 'X-Remote-User': user, accept: 'application/json' });
  const hostile = recordingSender(asProxy.send);
  const liveness = livenessProbe(bare.send);

  // Real RBAC: one user may touch only the status subresource, another may list and watch one name only.
  const rules = (name: string, rule: Record<string, unknown>) => [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace: ns }, rules: [{ apiGroups: [stack.apiGroup], ...rule }] },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name, namespace: ns }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name }] },
  ];
  const roles = await kubectl(cp, ['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [
    ...rules('status-only', { resources: ['vvpdeployments/status'], verbs: ['get', 'patch', 'update'] }),
    ...rules('lister', { resources: ['vvpdeployments'], verbs: ['list', 'watch'], resourceNames: ['allowed'] }),
  ] }) });
  t.equal(roles.code, 0, roles.stderr);
  const victim = async () => JSON.parse((await asProxy.send({ path: `${collection}/victim`, headers: asAdminHeaders })).body) as { metadata: { labels?: Record<string, string>; resourceVersion: string } };
  const before = await victim();
  // RBAC is in force (eventually: a new RoleBinding takes a moment to reach the authorizer).
  await eventually('the status-only role is in force', async () => (await asProxy.send({ method: 'PATCH', path: `${collection}/victim/status`, headers: { ...as('status-only'), 'content-type': 'application/merge-patch+json' }, body: '{}' })).status !== 403);
  await eventually('the lister role is in force', async () => (await asProxy.send({ path: `${collection}?fieldSelector=metadata.name%3Dallowed`, headers: as('lister') })).status === 200);
  t.equal((await asProxy.send({ method: 'PATCH', path: `${collection}/victim`, headers: { ...as('status-only'), 'content-type': 'application/merge-patch+json' }, body: '{}' })).status, 403, 'control: status-only may not patch the object');
  t.equal((await asProxy.send({ path: collection, headers: as('lister') })).status, 403, 'control: lister may not list every name');

  const writesBefore = await settledWrites();
  const refused = (what: string, res: RawAnswer, codes: number[]) =>
    t.ok(codes.includes(res.status) && statusKind(res.body) === 'Status', `${what}: ${res.status} ${res.body.slice(0, 160)}`);

  // One reading of the URL: what authorization would read one way and routing another is refused before either.
  const mergePatchJson = { 'content-type': 'application/merge-patch+json' };
  refused('# in the path (status-only acting on the object)', await hostile.send('#', { method: 'PATCH', path: `${collection}/victim#/status`, headers: { ...as('status-only'), ...mergePatchJson }, body: '{"metadata":{"labels":{"owned":"yes"}}}' }), [400]);
  for (const verb of ['', '&watch=true']) {
    refused(`invalid escape in a fieldSelector${verb}`, await hostile.send('bad escape', { path: `${collection}?fieldSelector=metadata.namespace!=a%ZZ%2Cmetadata.name%3Dallowed${verb}`, headers: as('lister') }), [400]);
  }
  refused('an encoded control character in a name', await hostile.send('control', { path: `${collection}/vic%0Atim`, headers: asAdminHeaders }), [400]);
  refused('a name that is not UTF-8', await hostile.send('utf-8', { path: `${collection}/%FF%FE`, headers: asAdminHeaders }), [400]);

  // YAML bombs: aliases, anchors through merge keys, deep flow collections, an anchor containing itself.
  const yamlBodies: [string, string][] = [];
  for (let levels = 4; levels <= 14; levels++) yamlBodies.push([`alias bomb, ${levels} levels`, yamlAliasBomb(levels)]);
  for (let levels = 4; levels <= 10; levels++) yamlBodies.push([`merge-key bomb, ${levels} levels`, yamlMergeKeyBomb(levels)]);
  yamlBodies.push(['deep flow sequence', yamlDeepFlow(100_000)], ['deep flow mapping', yamlDeepFlow(50_000, 'mapping')], ['self-referencing anchor', YAML_SELF_ALIAS]);
  for (const [what, body] of yamlBodies) {
    // The smallest ones decode within the bounds and are refused as objects (422); every larger one is 413.
    refused(`POST ${what}`, await hostile.send(what, { method: 'POST', path: collection, headers: { ...asAdminHeaders, 'content-type': 'application/yaml' }, body }), [400, 413, 422]);
    refused(`apply ${what}`, await hostile.send(`apply ${what}`, { method: 'PATCH', path: `${collection}/victim?fieldManager=hostile`, headers: { ...asAdminHeaders, 'content-type': 'application/apply-patch+yaml' }, body }), [400, 413, 422]);
  }

  // Oversized objects: within the 3 MiB body limit, over the 1 MiB platform deployment (the spec is stored twice).
  const bigConfig = { spec: { deployment: { spec: { template: { spec: { flinkConfiguration: { big: 'x'.repeat(600_000) } } } } } } };
  const big = (name: string) => mergePatch(valid(name), bigConfig) as ReturnType<typeof valid>;
  refused('an oversized create', await hostile.send('oversized POST', { method: 'POST', path: collection, headers: { ...asAdminHeaders, 'content-type': 'application/json' }, body: JSON.stringify(big('oversized')) }), [413]);
  refused('an oversized dry-run create', await hostile.send('oversized dry run', { method: 'POST', path: `${collection}?dryRun=All`, headers: { ...asAdminHeaders, 'content-type': 'application/json' }, body: JSON.stringify(big('oversized')) }), [413]);
  refused('an oversized replace', await hostile.send('oversized PUT', { method: 'PUT', path: `${collection}/victim`, headers: { ...asAdminHeaders, 'content-type': 'application/json' }, body: JSON.stringify({ ...big('victim'), metadata: { ...big('victim').metadata, resourceVersion: before.metadata.resourceVersion } }) }), [413]);
  refused('an oversized merge patch', await hostile.send('oversized patch', { method: 'PATCH', path: `${collection}/victim`, headers: { ...asAdminHeaders, ...mergePatchJson }, body: JSON.stringify(bigConfig) }), [413]);

  // Random bearer tokens (straight to the port, no client certificate): each one TokenReview, none accepted.
  const rand = prng(SEED + 2);
  const tokens = recordingSender(bare.send);
  await Promise.all(Array.from({ length: 16 }, async () => {
    for (let i = 0; i < 30; i++) {
      const res = await tokens.send('random token', { path: collection, headers: { authorization: `Bearer ${randomToken(rand)}`, accept: 'application/json' } });
      if (res.status !== 401) t.fail(`a random token got ${res.status}: ${res.body.slice(0, 160)}`);
    }
  }));

  const writesAfter = await settledWrites();
  const after = await victim();
  t.same(after.metadata.labels ?? {}, before.metadata.labels ?? {}, 'the victim is unchanged');
  t.equal(writesAfter - writesBefore, 0, 'no platform write');
  const f = hostile.figures;
  t.equal(f.fiveXx + tokens.figures.fiveXx, 0, 'no 5xx');
  t.equal(f.accepted + tokens.figures.accepted, 0, 'nothing accepted');
  t.comment(`hostile requests: ${f.tried} bodies and URLs + ${tokens.figures.tried} random tokens; 5xx ${f.fiveXx + tokens.figures.fiveXx}, accepted ${f.accepted + tokens.figures.accepted}, platform writes ${writesAfter - writesBefore}`);
  t.comment(`longest answer: ${f.longestMs.toFixed(0)} ms (${f.longest}); random tokens: longest ${tokens.figures.longestMs.toFixed(0)} ms`);

  // Stalled watchers: clients that open a watch and stop reading while the object changes.
  const watchers = await Promise.all(Array.from({ length: 4 }, () => stalledWatch(serverEndpoint(stack, proxyCert), `${collection}?watch=true`, asAdminHeaders)));
  t.ok(watchers.every((w) => w.status === 200), 'the stalled watches were opened');
  for (let i = 0; i < 10; i++) {
    const res = await asProxy.send({ method: 'PATCH', path: `${collection}/victim`, headers: { ...asAdminHeaders, ...mergePatchJson }, body: JSON.stringify({ metadata: { labels: { round: String(i) } } }) });
    t.equal(res.status, 200, `a change while the watchers stall (${i})`);
  }
  t.equal((await asProxy.send({ path: `${collection}/victim`, headers: asAdminHeaders })).status, 200, 'the server answers with stalled watchers open');
  for (const w of watchers) w.close();

  const probe = await liveness.stop();
  t.equal(probe.failed, 0, `/livez answered every probe throughout (${probe.answered} probes, slowest ${probe.longestMs.toFixed(0)} ms)`);
  t.comment(`/livez: ${probe.answered} probes, ${probe.failed} failed, slowest ${probe.longestMs.toFixed(0)} ms`);
});

t.test('a restart with oversized deployments already on the platform comes up and serves the rest', async (t) => {
  const collection = `/apis/${stack.apiGroup}/v1/namespaces/${ns}/vvpdeployments`;
  const created = await kubectl(cp, ['apply', '-f', '-'], { input: JSON.stringify(valid('written-before-the-limit')) });
  t.equal(created.code, 0, created.stderr);
  // As if written before the limit: the platform deployment grown to 2.4 MB behind the server's back (server token).
  const serverToken = readFileSync(join(stack.stateDir, 'vvp-token'), 'utf8').trim();
  const platformDeployment = `${stack.vvpUrl}/api/v1/namespaces/default/deployments/written-before-the-limit`;
  for (const key of ['a', 'b', 'c']) {
    const res = await fetch(platformDeployment, {
      method: 'PATCH', headers: { authorization: `Bearer ${serverToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ spec: { template: { spec: { flinkConfiguration: { [`grown.${key}`]: 'x'.repeat(800_000) } } } } }),
    });
    t.equal(res.status, 200, `grown on the platform (${key}): ${res.status}`);
  }
  await stopProcesses([stack.pids.server!], 'SIGTERM');
  restartServer(stack);
  const admin = httpsSender(serverEndpoint(stack, await frontProxyCert(cp)), 4);
  t.teardown(admin.close);
  const listed = await eventually('the restarted server lists', async () => {
    const res = await admin.send({ path: collection, headers: asAdminHeaders });
    return res.status === 200 ? (JSON.parse(res.body) as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name) : undefined;
  }, 90_000);
  t.ok(listed.includes('victim'), `the rest is served: ${listed.join(', ')}`);
  t.notOk(listed.includes('written-before-the-limit'), 'the oversized one is left out of the list');
  const log = readFileSync(stack.logs.server, 'utf8');
  t.match(log, /above the size limit is left out of lists and watches/, 'with a warning in the log');
  // Through kube-apiserver, once the aggregator sees the restarted server again: a get by name still reaches it.
  const resource = `vvpdeployments.${stack.apiGroup}`;
  await eventually('kubectl gets it by name through kube-apiserver', async () => (await kubectl(cp, ['get', resource, 'written-before-the-limit', '-n', ns, '-o', 'name'])).code === 0, 90_000);
  const shrunk = await kubectl(cp, ['delete', resource, 'written-before-the-limit', '-n', ns, '--wait=false']);
  t.equal(shrunk.code, 0, `its owner can still delete it by name: ${shrunk.stderr}`);
});
