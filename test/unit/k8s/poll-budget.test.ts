// The poll interval a bytes budget gives: the configured one while listings are small, longer as they grow.
import t from 'tap';
import { budgetedIntervalMs } from '../../../apiserver/k8s/watch/poll-budget.js';

t.test('a small listing polls at the configured interval; a large one as often as the budget pays for', async (t) => {
  const budget = 4_000_000;
  t.equal(budgetedIntervalMs(1000, 300_000, budget), 1000, '1,000 deployments (0.3 MB): 1 s');
  t.equal(budgetedIntervalMs(1000, 30_000_000, budget), 7500, '10,000 (30 MB): 7.5 s, 4 MB/s');
  t.equal(budgetedIntervalMs(1000, 4_000_000, budget), 1000, 'exactly the budget at the interval');
  t.equal(budgetedIntervalMs(1000, 4_000_001, budget), 1001, 'just above: rounded up, never over budget');
  for (const bytes of [1, 1e5, 1e7, 1e9]) t.ok((bytes * 1000) / budgetedIntervalMs(1000, bytes, budget) <= budget, `within budget at ${bytes} B`);
});

t.test('no budget, or no listing yet: the configured interval', async (t) => {
  t.equal(budgetedIntervalMs(2000, 1e9, 0), 2000);
  t.equal(budgetedIntervalMs(2000, 1e9, -1), 2000);
  t.equal(budgetedIntervalMs(2000, undefined, 4e6), 2000);
  t.equal(budgetedIntervalMs(2000, 0, 4e6), 2000);
});
