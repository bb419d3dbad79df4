// The platform protected on its own terms (issue 29): a cap on concurrent calls per platform, shared fairly between
// flows, and a platform's 429/503 with Retry-After slowing the client down — reads sent again after the time asked
// for (within the call's budget), writes never.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { CallGate } from '../../../apiserver/vvp/call-gate.js';
import { VvpClient, isVvpHttpError, type VvpClientOptions } from '../../../apiserver/vvp/index.js';

interface Arrival { method: string; url: string; at: number }

/** A platform stand-in: `answer` decides each request's fate; it may hold the answer back by returning a promise. */
async function platform(t: { teardown(fn: () => void): void }, answer: (a: Arrival, n: number) => Promise<{ status: number; headers?: http.OutgoingHttpHeaders }> | { status: number; headers?: http.OutgoingHttpHeaders }, options: Partial<VvpClientOptions> = {}) {
  const arrivals: Arrival[] = [];
  let open = 0;
  let peak = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const a = { method: req.method ?? '', url: req.url ?? '', at: Date.now() };
      arrivals.push(a);
      open++;
      peak = Math.max(peak, open);
      void Promise.resolve(answer(a, arrivals.length)).then((r) => {
        open--;
        const body = r.status < 300 ? { kind: 'Deployment', metadata: { name: 'd' } } : { message: `refused (${r.status})` };
        res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers });
        res.end(JSON.stringify(body));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new VvpClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: 'x', ...options });
  t.teardown(() => {
    client.close();
    server.close();
  });
  return { client, arrivals, peak: () => peak };
}

t.test('a freed slot goes to the next flow in turn: one flow\'s burst delays another flow\'s call by one turn', async (t) => {
  const gate = new CallGate(1);
  const first = await gate.acquire('noisy', 60_000);
  if (typeof first === 'string') throw new Error(first);
  const order: string[] = [];
  const ask = (flow: string, who: string) => gate.acquire(flow, 60_000).then((tk) => {
    if (typeof tk === 'string') throw new Error(tk);
    order.push(who);
    setImmediate(() => tk.release());
  });
  const all = [...Array.from({ length: 5 }, (_, i) => ask('noisy', `noisy-${i}`)), ask('quiet', 'quiet')];
  t.equal(gate.waiting, 6);
  first.release();
  await Promise.all(all);
  t.same(order.slice(0, 2), ['noisy-0', 'quiet'], 'the quiet flow is served right after the one noisy call ahead of it, not after the burst');
  t.equal(gate.peak, 1, 'never more than the limit at once');
});

t.test('a call that waits longer than its limit for a slot gives up; an aborted one leaves its place', async (t) => {
  const gate = new CallGate(1);
  const held = await gate.acquire('a', 1000);
  t.type(held, 'object');
  t.equal(await gate.acquire('b', 50), 'timeout');
  const leaving = new AbortController();
  const p = gate.acquire('c', 60_000, leaving.signal);
  leaving.abort();
  t.equal(await p, 'aborted');
  t.equal(gate.waiting, 0);
});

t.test('a call waiting out the platform\'s Retry-After gets its slot when the pause ends, even if the timer fires early by the clock', async (t) => {
  // The gate's clock lags the timer, as Node's cached loop time can make a timer fire before the pause ends by the
  // clock: the first wake-up finds the gate still paused, and nothing else happens in the gate afterwards.
  let now = 0;
  const gate = new CallGate(4, undefined, () => now);
  gate.pause(50);
  const waiting = gate.acquire('reader', 60_000);
  await new Promise((resolve) => setTimeout(resolve, 150));
  t.equal(gate.waiting, 1, 'still held back: by the gate\'s clock the pause has not ended');
  now = 100;
  const ticket = await Promise.race([waiting, new Promise<'stranded'>((resolve) => setTimeout(() => resolve('stranded'), 5_000))]);
  t.type(ticket, 'object', 'the slot is given once the pause has ended by the clock, without another call arriving');
  if (typeof ticket === 'object') ticket.release();
});

t.test('no more than maxConcurrentCalls reach the platform at once; all are answered', async (t) => {
  const { client, arrivals, peak } = await platform(t, () => new Promise((resolve) => setTimeout(() => resolve({ status: 200 }), 30)), { maxConcurrentCalls: 3 });
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => client.getDeployment('default', `d-${i}`, { flow: `user:${i % 2}` })));
  t.equal(answers.length, 20);
  t.equal(arrivals.length, 20);
  t.ok(peak() <= 3, `the platform saw at most 3 calls at once (saw ${peak()})`);
  t.ok(client.peakConcurrentCalls <= 3);
});

t.test('a read refused with 429 and Retry-After is sent again once that time has passed', async (t) => {
  const { client, arrivals } = await platform(t, (_a, n) => (n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 }));
  const d = await client.getDeployment('default', 'd');
  t.equal(d.metadata.name, 'd');
  t.equal(arrivals.length, 2, 'one refusal, one answer');
  t.ok(arrivals[1]!.at - arrivals[0]!.at >= 900, 'not before the Retry-After the platform named');
});

t.test('a read refused with 503 and Retry-After is retried too; a 503 without it (an outage) is not', async (t) => {
  const { client, arrivals } = await platform(t, (a) => (a.url.includes('shed') && arrivals.filter((x) => x.url.includes('shed')).length === 1 ? { status: 503, headers: { 'retry-after': '0' } } : a.url.includes('down') ? { status: 503 } : { status: 200 }));
  await client.getDeployment('default', 'shed');
  t.equal(arrivals.filter((a) => a.url.includes('shed')).length, 2);
  t.ok(isVvpHttpError(await client.getDeployment('default', 'down').catch((e: unknown) => e), 503));
  t.equal(arrivals.filter((a) => a.url.includes('down')).length, 1);
});

t.test('a write refused with 429 is never sent again: the caller gets the 429 and its Retry-After', async (t) => {
  const { client, arrivals } = await platform(t, () => ({ status: 429, headers: { 'retry-after': '1' } }));
  const err = await client.triggerSavepoint('default', { deploymentId: 'd-1' }).catch((e: unknown) => e);
  t.ok(isVvpHttpError(err, 429));
  t.equal((err as { retryAfterSeconds?: number }).retryAfterSeconds, 1);
  t.equal(arrivals.length, 1, 'one POST, not repeated');
});

t.test('a read the platform keeps refusing comes back as its 429 within the call budget, not after it', async (t) => {
  const { client, arrivals } = await platform(t, () => ({ status: 429, headers: { 'retry-after': '30' } }), { timeoutMs: 5_000 });
  const err = await client.getDeployment('default', 'd').catch((e: unknown) => e);
  t.ok(isVvpHttpError(err, 429));
  t.equal((err as { retryAfterSeconds?: number }).retryAfterSeconds, 30, 'the platform\'s Retry-After, for the user\'s 429');
  t.equal(arrivals.length, 1, 'a wait of 30 s does not fit a 5 s budget: no second attempt');
});
