// The fair division of seats answers as kube's computeConcurrencyAllocation does: the cases kube's own TestConcAlloc
// draws (seed 1234567890), with the answers kube's code gave for them (tools/apf-fixtures/generate.sh ran it), and
// kube's test's own checks of an answer applied to those cases and to 10,000 more drawn here in the same styles.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { type AllocProblemItem, MIN_TARGET, computeConcurrencyAllocation } from '../../../../apiserver/k8s/flowcontrol/conc-alloc.js';

interface KubeCase { sum: number; style: string; classes: { t: number; l: number; u: number }[]; allocs: number[]; fair: number; err: boolean }
const kubeCases = JSON.parse(readFileSync('test/unit/k8s/flowcontrol/kube-conc-alloc-cases.json', 'utf8')) as KubeCase[];
const FP_SLACK = 1e-10;
const relDiff = (a: number, b: number) => {
  const den = Math.max(Math.abs(a), Math.abs(b));
  return den === 0 ? 0 : Math.abs(a - b) / den;
};
const items = (c: KubeCase): AllocProblemItem[] => c.classes.map((x) => ({ target: x.t, lowerBound: x.l, upperBound: x.u }));

/** test1ConcAlloc's checks: an error exactly when the bounds cannot meet the sum, else the sum, the bounds and proportionality. */
function kubeChecks(requiredSum: number, classes: AllocProblemItem[]): string | undefined {
  const lowSum = classes.reduce((s, c) => s + c.lowerBound, 0);
  const highSum = classes.reduce((s, c) => s + c.upperBound, 0);
  const expectErr = lowSum - requiredSum > FP_SLACK || requiredSum - highSum > FP_SLACK;
  const answer = computeConcurrencyAllocation(requiredSum, classes);
  if ('error' in answer) return expectErr ? undefined : `unexpected error ${answer.error}`;
  if (expectErr) return 'expected an error';
  const sum = answer.allocs.reduce((s, a) => s + a, 0);
  if (relDiff(requiredSum, sum) > FP_SLACK) return `sum ${sum}, not ${requiredSum}`;
  for (const [idx, item] of classes.entries()) {
    const alloc = answer.fairProp * Math.max(item.target, MIN_TARGET);
    if (alloc <= item.lowerBound) { if (answer.allocs[idx] !== item.lowerBound) return `item ${idx} should be its lower bound`; }
    else if (alloc >= item.upperBound) { if (answer.allocs[idx] !== item.upperBound) return `item ${idx} should be its upper bound`; }
    else if (relDiff(alloc, answer.allocs[idx]!) > FP_SLACK) return `item ${idx} is ${answer.allocs[idx]}, not ${alloc} (proportional to its target)`;
  }
  return undefined;
}

t.test(`the ${kubeCases.length} first cases of kube's TestConcAlloc get kube's own answers`, async (t) => {
  const differ: string[] = [];
  let exact = 0;
  for (const [i, c] of kubeCases.entries()) {
    const answer = computeConcurrencyAllocation(c.sum, items(c));
    if ('error' in answer) {
      if (!c.err) differ.push(`case ${i} (${c.style}): error ${answer.error}, kube answered ${JSON.stringify(c.allocs)}`);
      continue;
    }
    if (c.err) { differ.push(`case ${i} (${c.style}): answered, kube refused`); continue; }
    const same = answer.allocs.length === c.allocs.length && answer.allocs.every((a, j) => relDiff(a, c.allocs[j]!) <= FP_SLACK) && relDiff(answer.fairProp, c.fair) <= FP_SLACK;
    if (!same) differ.push(`case ${i} (${c.style}): ${JSON.stringify(answer)} vs kube ${JSON.stringify({ allocs: c.allocs, fairProp: c.fair })}`);
    if (answer.allocs.every((a, j) => a === c.allocs[j]) && answer.fairProp === c.fair) exact++;
  }
  t.same(differ, [], 'every answer equals kube\'s (to 1e-10 relative)');
  t.ok(kubeCases.filter((c) => c.err).length > 0 && kubeCases.some((c) => c.style === 'bound from below') && kubeCases.some((c) => c.style === 'bound from above'), 'the cases include kube\'s refusals and both bound-constrained styles');
  t.comment(`${exact} of ${kubeCases.length} bit for bit`);
});

t.test('kube\'s checks of an answer hold for kube\'s cases', async (t) => {
  const failures = kubeCases.map((c, i) => [i, kubeChecks(c.sum, items(c))] as const).filter(([, f]) => f);
  t.same(failures, []);
});

t.test('kube\'s checks of an answer hold for 10,000 more cases drawn in TestConcAlloc\'s styles', async (t) => {
  let seed = 20260;
  const random = () => { // mulberry32
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const intn = (n: number) => Math.floor(random() * n);
  const partition = (n: number, x: number, consume: (j: number, part: number) => void) => {
    const divs = Array.from({ length: n - 1 }, random).sort((a, b) => a - b);
    let last = 0;
    divs.forEach((div, j) => { consume(j, (div - last) * x); last = div; });
    consume(n - 1, (1 - last) * x);
  };
  const failures: string[] = [];
  for (let i = 0; i < 10_000; i++) {
    const probLen = [0, 1, 2, 3, 4, 6, 9][intn(7)]!;
    const classes: AllocProblemItem[] = Array.from({ length: probLen }, () => ({ target: 0, lowerBound: 0, upperBound: 0 }));
    let requiredSum = 0;
    if (probLen > 0) {
      const style = intn(20);
      if (style === 0) {
        requiredSum = intn(probLen * 3);
        partition(probLen, requiredSum, (j, x) => { classes[j] = { lowerBound: x, target: x + 2 * random(), upperBound: x + 3 * random() }; });
      } else if (style === 1) {
        requiredSum = intn(probLen * 3) + 1;
        partition(probLen, requiredSum, (j, x) => {
          const lowerBound = x * Math.max(0, 1.25 * random() - 1);
          classes[j] = { upperBound: x, lowerBound, target: lowerBound + random() };
        });
      } else {
        let lowSum = 0;
        let highSum = 0;
        for (let j = 0; j < probLen; j++) {
          const x = Math.max(0, random() * 5 - 1);
          classes[j] = { lowerBound: x, target: x + 2 * random(), upperBound: x + 3 * random() };
          lowSum += x;
          highSum += classes[j]!.upperBound;
        }
        requiredSum = Math.round(lowSum + (highSum - lowSum) * random());
      }
    }
    while (random() < 0.25) classes.splice(intn(classes.length + 1), 0, { target: 0, lowerBound: 0, upperBound: random() + 0.00001 });
    const failure = kubeChecks(requiredSum, classes);
    if (failure) failures.push(`requiredSum ${requiredSum}, ${JSON.stringify(classes)}: ${failure}`);
  }
  t.same(failures, []);
});

t.test('the refusals kube words', async (t) => {
  t.same(computeConcurrencyAllocation(-1, []), { error: 'negative sums are not supported' });
  t.match(computeConcurrencyAllocation(1, [{ target: 1, lowerBound: -1, upperBound: 2 }]), { error: /negative lower bounds are not allowed/ });
  t.match(computeConcurrencyAllocation(1, [{ target: 1, lowerBound: 2, upperBound: 3 }]), { error: /below its lower bound/ });
  t.match(computeConcurrencyAllocation(1, [{ target: 1, lowerBound: 1, upperBound: 0.5 }]), { error: /should not be less than the lower bound/ });
  t.match(computeConcurrencyAllocation(5, [{ target: 1, lowerBound: 0, upperBound: 2 }]), { error: /upper bounds sum to 2, which is lower than the required sum of 5/ });
});
