// Issue 32: which deployments a watch reads one by one between full listings. Those just written and those in a
// transition are hot; at rest they leave the set; when the budget allows fewer reads than there are hot ids, the
// written ones go first, then the ones read least recently; the reads spend at most a share of the bytes budget.

import t from 'tap';
import {
  ASSUMED_READ_BYTES, HOT_READ_SHARE, HotSet, MAX_HOT_READS, hotReadsPerInterval, inTransition,
} from '../../../apiserver/vvpdeployment/decide/hot-set.js';
import { ANNOTATION } from '../../../apiserver/vvpdeployment/trust/annotations.js';
import { deployment, job, savepoint } from '../../support/fixtures.js';

t.test('a deployment is in a transition while the platform or this server still has something to do on it', async (t) => {
  const atRest = { deployment: deployment(), job: job('j-1', 'STARTED') };
  t.notOk(inTransition(atRest), 'RUNNING with its job STARTED: at rest');
  t.ok(inTransition({ ...atRest, job: job('j-1', 'STARTING') }), 'job STARTING');
  t.ok(inTransition({ ...atRest, job: job('j-1', 'TERMINATING') }), 'job TERMINATING');
  t.ok(inTransition({ deployment: deployment({}, { state: 'TRANSITIONING' }) }), 'the deployment TRANSITIONING');
  t.ok(inTransition({ deployment: deployment({ state: 'SUSPENDED' }), job: job('j-1', 'STARTED') }), 'desired SUSPENDED, still RUNNING: the platform has not begun yet');
  t.notOk(inTransition({ deployment: deployment({ state: 'RUNNING' }, { state: 'FAILED' }) }), 'FAILED is at rest, whatever is desired');
  t.notOk(inTransition({ deployment: deployment({ state: 'CANCELLED' }, { state: 'CANCELLED' }) }), 'CANCELLED as desired, no job');
  t.ok(inTransition({ ...atRest, savepoints: [savepoint('s-1', 'STARTED')] }), 'a savepoint in flight');
  t.notOk(inTransition({ ...atRest, savepoints: [savepoint('s-1', 'COMPLETED')] }), 'a completed savepoint');
  const marked = deployment();
  marked.metadata.annotations = { ...marked.metadata.annotations, [ANNOTATION.deletion]: '{"policy":"Cancel"}' };
  t.ok(inTransition({ ...atRest, deployment: marked }), 'work pending for the background pass (a deletion mark)');
});

t.test('a written id stays hot for the hold, then only while its reads show a transition', async (t) => {
  const hot = new HotSet(1_000);
  hot.wrote('w', 0);
  t.same(hot.ids(500), ['w'], 'within the hold');
  hot.read('w', 'rest', 600);
  t.same(hot.ids(900), ['w'], 'at rest within the hold: still hot (the platform reacts a moment after the write)');
  hot.read('w', 'transition', 1_100);
  t.same(hot.ids(1_200), ['w'], 'past the hold but in a transition');
  hot.read('w', 'rest', 1_300);
  t.same(hot.ids(1_400), [], 'past the hold and at rest: left');
  hot.wrote('gone', 2_000);
  hot.read('gone', 'gone', 2_100);
  t.same(hot.ids(2_200), [], 'a deployment gone leaves at once');
});

t.test('written ids never pile up while nothing reads the set (no watch)', async (t) => {
  const hot = new HotSet(1_000);
  for (let i = 0; i < 10_000; i++) hot.wrote(`w-${i}`, i * 10);
  t.ok(hot.held <= 400, `${hot.held} held after 10,000 writes: those past their hold were dropped as writes came`);
  t.same(hot.ids(200_000), [], 'a hold after the last write, every one is gone');
});

t.test('a full listing sets which ids are in a transition; a hot read newer than the listing wins', async (t) => {
  const hot = new HotSet(1_000);
  hot.listed(['a', 'b'], 0);
  t.same(hot.ids(10).sort(), ['a', 'b']);
  hot.read('a', 'transition', 50);
  hot.listed(['b'], 20); // a listing that started before a's read, and did not see it in a transition
  t.same(hot.ids(60).sort(), ['a', 'b'], 'a stays: its read after the listing started still saw a transition');
  hot.listed([], 100);
  t.same(hot.ids(110), [], 'a newer listing saw every one at rest');
});

t.test('fewer reads than hot ids: written ones first, then the ones read least recently, so each gets its turn', async (t) => {
  const hot = new HotSet(10_000);
  hot.listed(['t1', 't2', 't3'], 0);
  hot.wrote('w', 5);
  t.same(hot.choose(10, 2), ['w', 't1'], 'the written id first, then one never read');
  hot.read('w', 'transition', 11);
  hot.read('t1', 'transition', 11);
  t.same(hot.choose(20, 2), ['w', 't2']);
  hot.read('t2', 'transition', 21);
  t.same(hot.choose(30, 2), ['w', 't3'], 't3, never read, before t1 and t2');
  t.same(hot.choose(30, 0), [], 'no budget: none');
});

t.test('hot reads spend at most their share of the bytes budget per interval, and never more than the cap', async (t) => {
  t.equal(hotReadsPerInterval(20_000, 1_000, 5_000), Math.floor((20_000 * HOT_READ_SHARE) / 5_000), 'a small budget: a couple of reads per second');
  t.equal(hotReadsPerInterval(20_000, 500, 5_000), 1, 'half the interval, half the reads');
  t.equal(hotReadsPerInterval(4_000, 1_000, 5_000), 0, 'a read larger than the share: none');
  t.equal(hotReadsPerInterval(4_000_000, 1_000, ASSUMED_READ_BYTES), MAX_HOT_READS, 'the issue\'s 4 MB/s: the cap');
  t.equal(hotReadsPerInterval(0, 1_000, 5_000), MAX_HOT_READS, 'no budget: the cap alone');
  const bytes = hotReadsPerInterval(1_000_000, 1_000, 6_000) * 6_000;
  t.ok(bytes <= 1_000_000 * HOT_READ_SHARE, `${bytes} bytes per second of hot reads within the share of a 1 MB/s budget`);
});
