import t from 'tap';
import { ANNOTATION, SAVEPOINT_TRIGGER_ANNOTATION, type NonceRecord } from '../../../apiserver/vvpdeployment/trust/annotations.js';
import {
  isOverdueTrigger, isPendingTrigger, pendingSavepointStep, savepointOfTrigger, savepointTriggerAnnotations,
} from '../../../apiserver/vvpdeployment/decide/savepoint-nonce.js';
import type { Savepoint, StringMap } from '../../../apiserver/vvp/types.js';

const at = '2026-11-24T12:00:00Z';
const pending: NonceRecord = { nonce: 3, outcome: 'Triggered', at };
const seconds = (s: number) => new Date(Date.parse(at) + s * 1000);

function savepoint(id: string, annotations: StringMap): Savepoint {
  return { metadata: { id, namespace: 'default', deploymentId: 'd-1', origin: 'USER_REQUEST', annotations } };
}

t.test('pending: Triggered without a savepoint id, and nothing else', async (t) => {
  t.ok(isPendingTrigger(pending));
  t.notOk(isPendingTrigger(undefined));
  t.notOk(isPendingTrigger({ ...pending, savepointId: 'sp-1' }));
  for (const outcome of ['Initial', 'Blocked', 'Failed'] as const) t.notOk(isPendingTrigger({ ...pending, outcome }), outcome);
});

t.test('overdue after the grace period, counted from the last claim when there is one', async (t) => {
  t.notOk(isOverdueTrigger(pending, seconds(24), 25_000));
  t.ok(isOverdueTrigger(pending, seconds(25), 25_000));
  const claimed = { ...pending, attemptAt: '2026-11-24T12:00:20Z' };
  t.notOk(isOverdueTrigger(claimed, seconds(30), 25_000), 'a fresh claim holds others off');
  t.ok(isOverdueTrigger(claimed, seconds(45), 25_000));
  t.notOk(isOverdueTrigger({ ...pending, savepointId: 'sp-1' }, seconds(100), 25_000), 'settled records never are');
  t.ok(isOverdueTrigger({ ...pending, at: 'garbage' }, seconds(0), 25_000), 'an unreadable time does not block settling forever');
});

t.test('a savepoint belongs to a trigger by its nonce and the record time together', async (t) => {
  const tags = savepointTriggerAnnotations(pending);
  t.same(tags, { [ANNOTATION.savepointNonce]: '3', [SAVEPOINT_TRIGGER_ANNOTATION]: at });
  const mine = savepoint('sp-mine', { ...tags, other: 'x' });
  const earlierUseOfTheNonce = savepoint('sp-old', { [ANNOTATION.savepointNonce]: '3', [SAVEPOINT_TRIGGER_ANNOTATION]: '2026-11-20T08:00:00Z' });
  const untagged = savepoint('sp-untagged', { [ANNOTATION.savepointNonce]: '3' });
  t.equal(savepointOfTrigger(pending, [earlierUseOfTheNonce, untagged, mine]), mine);
  t.equal(savepointOfTrigger(pending, [earlierUseOfTheNonce, untagged]), undefined);
});

t.test('the step: adopt what exists at any time, wait within the grace period, else trigger', async (t) => {
  const mine = savepoint('sp-mine', savepointTriggerAnnotations(pending));
  t.same(pendingSavepointStep(pending, [mine], seconds(1), 25_000), { action: 'adopt', savepoint: mine });
  t.same(pendingSavepointStep(pending, [mine], seconds(60), 25_000), { action: 'adopt', savepoint: mine });
  t.same(pendingSavepointStep(pending, [], seconds(1), 25_000), { action: 'wait' });
  t.same(pendingSavepointStep(pending, [], seconds(25), 25_000), { action: 'trigger' });
  t.equal(pendingSavepointStep({ ...pending, savepointId: 'sp-1' }, [], seconds(60), 25_000), undefined);
  t.equal(pendingSavepointStep({ ...pending, outcome: 'Failed' }, [], seconds(60), 25_000), undefined);
  t.equal(pendingSavepointStep(undefined, [mine], seconds(60), 25_000), undefined);
});
