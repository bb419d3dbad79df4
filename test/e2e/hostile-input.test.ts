// Hostile input straight to the server (as the front proxy, admin): ≥ 10,000 generated invalid bodies and patches.
// None may cause a 5xx, every answer is a Status, and none may reach the platform as a write.
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { kubectl } from '../../tools/cluster/control-plane.js';
import { scenario } from '../support/product.js';
import { asAdminHeaders, frontProxyCert, hostileCase, httpsSender, prng, serverEndpoint, statusKind, type Generator, type HostileCase, type RawAnswer } from '../support/hostile.js';

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
// 10,000 take ~60 s on two idle cores; the limit leaves room for busy ones (about 50/s were measured under load 9).
const TIME_LIMIT_MS = 170_000;
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
    while (next < CASES && Date.now() - started < TIME_LIMIT_MS) {
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
  t.ok(sent >= CASES, `at least ${CASES} requests sent within the time limit (${sent})`);
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
