// Borrowing between priority levels answers as kube's apf_controller.go does: the limits of a level
// (finishQueueSetReconfigsLocked), the integrator of seat demand (integrator_test.go's TestIntegrator), the three
// scenarios of exempt_borrowing_test.go's TestUpdateBorrowing, and the steady state of borrowing_test.go's
// TestBorrowing (the busy level ends at 16 seats in both its scenarios) — same inputs, same figures.
import t from 'tap';
import { levelLimits, nextSeatDemandStats } from '../../../../apiserver/k8s/flowcontrol/borrowing.js';
import { type BorrowingLevelConfig, BorrowingLevels } from '../../../../apiserver/k8s/flowcontrol/borrowing-levels.js';
import { Integrator } from '../../../../apiserver/k8s/flowcontrol/integrator.js';

const PERIOD = 10;

t.test('TestIntegrator: average, deviation, min and max over time, and a reset', async (t) => {
  let clock = 1000;
  const igr = new Integrator(() => clock);
  igr.add(3);
  clock += 1;
  const results = igr.getResults();
  t.same(results, { duration: 1, average: 3, deviation: 0, min: 0, max: 3 });
  t.same(igr.reset(), results);
  igr.set(2);
  t.same(igr.getResults(), { duration: 0, average: NaN, deviation: NaN, min: 2, max: 3 });
  clock += 0.001;
  igr.add(-1);
  clock += 0.001;
  const r = igr.getResults();
  t.same({ min: r.min, max: r.max }, { min: 1, max: 3 });
  t.ok(Math.abs(r.duration - 0.002) < 1e-12 && Math.abs(r.average - 1.5) < 1e-9 && Math.abs(r.deviation - 0.5) < 1e-6, `2 ms at 2 then 1: average 1.5, deviation 0.5 (${JSON.stringify(r)})`);
});

t.test('a level\'s limits: nominal ⌈seats × shares ÷ Σshares⌉, less what it lends, plus what it may borrow (all seats when unset)', async (t) => {
  // kube's TestBorrowing: 24 seats, two levels of 100 shares beside exempt (0) and catch-all (5).
  t.same(levelLimits(24, 100, 205, 50, 67), { nominalCL: 12, lendableCL: 6, borrowingCL: 8, minCL: 6, maxCL: 20 });
  t.same(levelLimits(24, 100, 205, 33, 50), { nominalCL: 12, lendableCL: 4, borrowingCL: 6, minCL: 8, maxCL: 18 });
  t.same(levelLimits(24, 5, 205, 0, undefined), { nominalCL: 1, lendableCL: 0, borrowingCL: 24, minCL: 1, maxCL: 25 });
  t.same(levelLimits(24, 0, 205, 0, undefined).nominalCL, 0, 'exempt: no nominal seats');
  t.same(levelLimits(20, 20, 20, 0, 0), { nominalCL: 20, lendableCL: 0, borrowingCL: 0, minCL: 20, maxCL: 20 }, 'lends nothing, borrows nothing: pinned at nominal');
  t.equal(levelLimits(10, 1, 1, 25, 0).lendableCL, 3, 'Go\'s rounding: 2.5 → 3');
});

t.test('smoothed seat demand: max(avg + stddev, 0.977 × previous + 0.023 × (avg + stddev))', async (t) => {
  const up = nextSeatDemandStats({ avg: 0, stdDev: 0, highWatermark: 0, smoothed: 0 }, { duration: 10, average: 8, deviation: 2, min: 4, max: 12.4 });
  t.same(up, { avg: 8, stdDev: 2, highWatermark: 12, smoothed: 10 });
  const down = nextSeatDemandStats(up, { duration: 10, average: 0, deviation: 0, min: 0, max: 0 });
  t.ok(Math.abs(down.smoothed - 9.77) < 1e-12, `decays slowly: ${down.smoothed}`);
  t.same(nextSeatDemandStats(up, { duration: 0, average: NaN, deviation: NaN, min: 3, max: 3 }), { ...up, highWatermark: 3 }, 'no time: only the high watermark');
  t.equal(nextSeatDemandStats(up, { duration: 1, average: 1, deviation: NaN, min: 1, max: 1 }).stdDev, 0, 'NaN deviation counts as 0');
});

t.test('TestUpdateBorrowing (exempt_borrowing_test.go): the exempt level takes what it uses, the limited levels share the rest', async (t) => {
  // exempt (0 shares), workload-high (40, lends 50%), workload-low (100, lends 90%), catch-all (5, lends 0); no borrowing limits.
  const shares = { 'workload-high': [40, 50], exempt: [0, 0], 'workload-low': [100, 90], 'catch-all': [5, 0] } as const;
  const serverCL = (40 + 100 + 5) * 6;
  const config: BorrowingLevelConfig[] = Object.entries(shares).map(([name, [s, lendable]]) => ({
    name, exempt: name === 'exempt', limits: levelLimits(serverCL, s, 145, lendable, undefined),
  }));
  let clock = 0;
  const levels = new BorrowingLevels(() => clock);
  levels.configure(config);
  t.equal(config.reduce((sum, l) => sum + l.limits.nominalCL, 0), serverCL, 'no rounding: nominalCLSum = serverCL');
  const limits = Object.fromEntries(config.map((l) => [l.name, l.limits]));
  const [hi, mid, lo] = [limits['workload-high']!, limits['workload-low']!, limits['catch-all']!];
  const current = () => ({ exempt: levels.currentLimit('exempt'), hi: levels.currentLimit('workload-high'), mid: levels.currentLimit('workload-low'), lo: levels.currentLimit('catch-all') });

  // Scenario 1: everybody wants more than the server has; exempt borrows so much that the others get their minimum.
  for (const name of Object.keys(shares)) levels.demand(name)!.set(serverCL + 100);
  clock += PERIOD;
  levels.adjust();
  t.same(current(), { exempt: serverCL + 100, hi: hi.minCL, mid: mid.minCL, lo: lo.minCL }, 'scenario 1');

  // Scenario 2: the limited levels get halfway between their minimum and their nominal limit.
  const half = (l: typeof hi) => Math.floor((l.nominalCL + l.minCL) / 2);
  let expectedExempt = serverCL - (half(hi) + half(mid) + half(lo));
  levels.demand('exempt')!.set(expectedExempt);
  clock += PERIOD;
  levels.adjust();
  clock += PERIOD;
  levels.adjust();
  t.same(current(), { exempt: expectedExempt, hi: half(hi), mid: half(mid), lo: half(lo) }, 'scenario 2');

  // Scenario 3: only workload-low is willing to lend, and exempt borrows all of it.
  expectedExempt = serverCL - (hi.nominalCL + mid.minCL + lo.nominalCL);
  levels.demand('exempt')!.set(expectedExempt);
  levels.demand('workload-low')!.set(1);
  clock += PERIOD;
  levels.adjust();
  clock += PERIOD;
  levels.adjust();
  t.same(current(), { exempt: expectedExempt, hi: hi.nominalCL, mid: mid.minCL, lo: lo.nominalCL }, 'scenario 3');
});

t.test('TestBorrowing (borrowing_test.go) at its steady state: 24 clients of level 0 get 16 seats, 6 of level 1 keep their 6', async (t) => {
  const scenarios = {
    'lendable-limited': [{ lendable: 50, borrowing: 67 }, { lendable: 33, borrowing: 50 }],
    'borrowing-limited': [{ lendable: 50, borrowing: 33 }, { lendable: 67, borrowing: 50 }],
  };
  for (const [name, constraints] of Object.entries(scenarios)) {
    let clock = 0;
    const levels = new BorrowingLevels(() => clock);
    levels.configure([
      { name: 'exempt', exempt: true, limits: levelLimits(24, 0, 205, 0, undefined) },
      { name: 'catch-all', exempt: false, limits: levelLimits(24, 5, 205, 0, undefined) },
      ...constraints.map((c, flow) => ({ name: `test-pl${flow}`, exempt: false, limits: levelLimits(24, 100, 205, c.lendable, c.borrowing) })),
    ]);
    // Seat demand is what executes plus what waits: every client always has one request in.
    levels.demand('test-pl0')!.set(24);
    levels.demand('test-pl1')!.set(6);
    for (let period = 0; period < 5; period++) {
      clock += PERIOD;
      levels.adjust();
    }
    t.equal(levels.currentLimit('test-pl0'), 16, `${name}: the busy level borrows up to 16`);
    t.ok(levels.currentLimit('test-pl1')! >= 6, `${name}: the other keeps at least its 6 (${levels.currentLimit('test-pl1')})`);
    t.equal(['exempt', 'catch-all', 'test-pl0', 'test-pl1'].reduce((s, n) => s + levels.currentLimit(n)!, 0), 25, `${name}: all of nominalCLSum (12 + 12 + 1) is handed out`);
  }
});

t.test('a configuration change keeps a staying level\'s demand and limit; a new level starts at nominal less half what it lends', async (t) => {
  let clock = 0;
  const levels = new BorrowingLevels(() => clock);
  const catchAll = { name: 'catch-all', exempt: false, limits: levelLimits(20, 5, 25, 0, undefined) };
  const busy = { name: 'busy', exempt: false, limits: levelLimits(20, 10, 25, 0, 100) };
  const idle = { name: 'idle', exempt: false, limits: levelLimits(20, 10, 25, 100, 0) };
  levels.configure([catchAll, busy, idle]);
  levels.demand('busy')!.set(30);
  clock += PERIOD;
  levels.adjust();
  t.equal(levels.currentLimit('busy'), 16, 'the busy level (8 nominal, may double) borrows all 8 of the idle level\'s');
  t.equal(levels.currentLimit('idle'), 0, 'the idle level, lending all, has none left');
  levels.configure([catchAll, busy, idle, { name: 'new', exempt: false, limits: levelLimits(20, 10, 35, 50, 0) }]);
  t.ok(levels.currentLimit('busy')! > busy.limits.nominalCL, 'still borrowing after the change (its smoothed demand stayed)');
});
