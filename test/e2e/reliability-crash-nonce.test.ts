// The server killed (SIGKILL) while the savepoint of a new savepointNonce is held at the platform (emulator latency
// fault). After a restart and the user's retry of the same nonce, the nonce is acted on once: one savepoint, and
// NonceAligned. A following nonce gives exactly one more.
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { scenario } from '../support/product.js';
import { eventually } from '../support/eventually.js';
import { crashDuring, kubeAdmin } from '../support/hostile.js';
import { restartServer, stopProcesses } from '../../apiservice/local/stack.js';

const { stack, cp, ns, resource, collection, platform, k, manifest } = await scenario('crashnonce');
const api = kubeAdmin(cp);
t.teardown(api.close);

interface Condition { type: string; status: string; reason?: string; message?: string }
interface Obj { metadata: { uid: string }; spec: { savepointNonce?: number }; status: { state?: string; conditions?: Condition[] } }
interface Savepoint { metadata: { id: string; origin?: string; annotations?: Record<string, string> }; status?: { state?: string } }

async function get(): Promise<Obj | undefined> {
  const res = await k(['get', resource, 'saver', '-n', ns, '-o', 'json']);
  return res.code === 0 ? (JSON.parse(res.stdout) as Obj) : undefined;
}
const nonceAligned = async () => (await get())?.status.conditions?.find((c) => c.type === 'NonceAligned');
const nonce = (n: number) => JSON.stringify({ spec: { savepointNonce: n } });

/**
 * How long settling the interrupted trigger may take, by the product's own figures. When the kill lands before the
 * platform has read the held savepoint POST's body, the platform drops the request: no savepoint exists, and only the
 * leader triggers it again once the grace period is over (2 × --vvp-timeout + 5 s = 25 s after the trigger), and the
 * restarted replica leads only once the killed one's Lease (15 s) has expired. When the POST did get through, the
 * retry or the next pass adopts its savepoint at once. Both plus room for a loaded machine.
 */
const SETTLE_MS = (2 * 10_000 + 5_000) + 15_000 + 30_000;

t.test('killed during a savepoint nonce: acted on once', async (t) => {
  const created = await k(['apply', '-f', '-'], JSON.stringify(manifest('saver', { state: 'RUNNING' })));
  t.equal(created.code, 0, created.stderr);
  const id = (await eventually('saver RUNNING', async () => {
    const o = await get();
    return o?.status.state === 'RUNNING' ? o : undefined;
  })).metadata.uid;
  const userSavepoints = async () => (await platform<{ items: Savepoint[] }>('GET', `/api/v1/namespaces/default/savepoints?deploymentId=${id}`)).body.items.filter((s) => s.metadata.origin === 'USER_REQUEST');

  let firstAnswer = 0;
  const { reached, downtimeMs } = await crashDuring({
    platform, fault: { method: 'POST', path: '/api/v1/namespaces/default/savepoints', route: /^POST \/api\/v1\/namespaces\/[^/]+\/savepoints$/ },
    request: async () => {
      firstAnswer = (await api.send({ method: 'PATCH', path: `${collection}/saver`, headers: { 'content-type': 'application/merge-patch+json' }, body: nonce(1) })).status;
    },
    kill: () => stopProcesses([stack.pids.server], 'SIGKILL'),
    restart: () => restartServer(stack),
    answers: async () => (await k(['get', resource, '-n', ns, '-o', 'name'])).code === 0,
  });
  t.ok(reached, 'the savepoint POST reached the platform before the kill');
  t.comment(`the nonce patch in flight answered ${firstAnswer}; server back ${(downtimeMs / 1000).toFixed(1)}s after the SIGKILL`);
  t.comment(`after the restart: spec.savepointNonce=${String((await get())?.spec.savepointNonce)}, NonceAligned=${JSON.stringify(await nonceAligned())}`);

  t.comment(`savepoints for the nonce right after the restart: ${(await userSavepoints()).length} (0: the kill made the platform drop the held POST)`);
  const retry = await k(['patch', resource, 'saver', '-n', ns, '--type=merge', '-p', nonce(1)]);
  t.equal(retry.code, 0, `the user's retry of the same nonce succeeds: ${retry.stderr}`);
  const aligned = await eventually('NonceAligned', async () => ((await nonceAligned())?.status === 'True' ? true : undefined), SETTLE_MS).catch(() => false);
  const condition = await nonceAligned();
  t.comment(`NonceAligned after the retry: ${JSON.stringify(condition)}`);
  await sleep(1500);
  const afterCrash = await userSavepoints();
  t.comment(`savepoints (USER_REQUEST) after the crash: ${JSON.stringify(afterCrash.map((s) => ({ id: s.metadata.id, state: s.status?.state, annotations: s.metadata.annotations })))}`);
  t.equal(afterCrash.length, 1, `one savepoint for savepointNonce 1 (${afterCrash.length})`);
  t.equal(afterCrash[0]?.metadata.annotations?.['k8s.ververica.platform/savepoint-nonce'], '1', 'tagged with the nonce');
  t.ok(aligned, `NonceAligned=True for the nonce acted on (${condition?.reason ?? ''}: ${condition?.message ?? ''})`);

  const next = await k(['patch', resource, 'saver', '-n', ns, '--type=merge', '-p', nonce(2)]);
  t.equal(next.code, 0, next.stderr);
  await eventually('a second savepoint', async () => (await userSavepoints()).length >= afterCrash.length + 1, 30_000).catch(() => undefined);
  await sleep(1500);
  t.equal((await userSavepoints()).length, afterCrash.length + 1, 'exactly one more for savepointNonce 2');
});
