// The controller wires borrowing to its queue sets: after an adjustment a busy level runs more requests than its
// nominal seats with what an idle level lends, and a level that neither lends nor borrows keeps its nominal seats
// under any load. A fake clock; adjustments are called directly (the timer only calls the same method).
import t from 'tap';
import { StaticSource } from '../../../../apiserver/k8s/admission/index.js';
import { FlowController, type FlowSchema, type PriorityLevelConfiguration } from '../../../../apiserver/k8s/flowcontrol/index.js';
import type { Ticket } from '../../../../apiserver/k8s/flowcontrol/queueset.js';
import { requestInfo } from '../../../../apiserver/k8s/serve/requestinfo.js';

const level = (name: string, lendablePercent: number, borrowingLimitPercent: number): PriorityLevelConfiguration => ({
  metadata: { name, uid: `uid-${name}` },
  spec: { type: 'Limited', limited: { nominalConcurrencyShares: 10, lendablePercent, borrowingLimitPercent, limitResponse: { type: 'Queue', queuing: { queues: 1, handSize: 1, queueLengthLimit: 100 } } } },
});
const schema = (user: string, levelName: string): FlowSchema => ({
  metadata: { name: user, uid: `uid-${user}` },
  spec: { priorityLevelConfiguration: { name: levelName }, matchingPrecedence: 100, rules: [{ subjects: [{ kind: 'User', user: { name: user } }], resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'] }] }] },
});

t.test('a busy level borrows what an idle level lends; a level with lendablePercent 0 and borrowingLimitPercent 0 keeps its nominal seats', async (t) => {
  let clock = 0;
  // 35 seats: busy, idle and fixed get ⌈35 × 10 / 35⌉ = 10 each, catch-all 5, exempt 0.
  const controller = new FlowController(
    new StaticSource([schema('busy-user', 'busy'), schema('fixed-user', 'fixed')]),
    new StaticSource([level('busy', 0, 100), level('idle', 100, 0), level('fixed', 0, 0)]),
    35, () => ({}), { now: () => clock },
  );
  const gone = new AbortController();
  t.teardown(() => gone.abort());
  const running = { busy: [] as Ticket[], fixed: [] as Ticket[] };
  const send = (user: 'busy' | 'fixed', n: number) => {
    for (let i = 0; i < n; i++) {
      const c = controller.classify({ user: { name: `${user}-user`, groups: ['system:authenticated'] }, info: requestInfo('GET', '/apis/g/v1/namespaces/a/things/x') });
      void controller.admit(c, 600_000, gone.signal).then((o) => { if (typeof o !== 'string') running[user].push(o); });
    }
  };
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  // With no demand anywhere, kube's fair allocation gives what idle lends to the levels that may borrow, by their
  // nominal limits: busy (10) and catch-all (5) share 25 seats, 17 and 8; fixed stays at 10.
  t.same(['busy', 'idle', 'fixed', 'catch-all'].map((l) => controller.currentLimit(l)), [17, 0, 10, 8], 'no demand yet: idle lends to the levels that borrow');
  send('busy', 30);
  await settle();
  t.equal(running.busy.length, 17, 'before an adjustment the busy level runs its current 17');
  clock += 10;
  controller.adjustBorrowing();
  await settle();
  t.equal(controller.currentLimit('busy'), 20, 'the busy level may borrow 100 % of its 10: 20');
  t.equal(controller.currentLimit('idle'), 0, 'the idle level lent all of its 10');
  t.equal(running.busy.length, 20, 'the raised limit dispatched waiting requests at once: 20 run, 10 beyond nominal');
  t.equal(controller.currentLimit('catch-all'), 5, 'catch-all, idle, is back at its nominal 5: it lends nothing and the busy level\'s demand took the rest');

  send('fixed', 30);
  await settle();
  clock += 10;
  controller.adjustBorrowing();
  await settle();
  t.equal(controller.currentLimit('fixed'), 10, 'the fixed level, 30 seats wanted, borrows nothing');
  t.equal(running.fixed.length, 10, 'and runs its nominal 10');
  for (const ticket of running.busy.splice(0)) ticket.finish();
  await settle();
  clock += 10;
  controller.adjustBorrowing();
  t.equal(controller.currentLimit('fixed'), 10, 'nor does it borrow when seats are free');
  t.equal(controller.currentLimit('idle'), 0, 'the idle level, still idle, still lends');
});
