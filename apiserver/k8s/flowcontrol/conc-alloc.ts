// The fair division of the server's seats among the limited priority levels, ported line by line from
// k8s.io/apiserver/pkg/util/flowcontrol/conc_alloc.go (computeConcurrencyAllocation, v0.37.2) so that borrowing
// between levels answers as kube-apiserver's does for the same figures. Each class has a target (its smoothed seat
// demand), a lower and an upper bound; the answer gives each class fairProp × target clipped to its bounds, with
// fairProp chosen so that the allocations sum to requiredSum. Pure arithmetic, no state.

export interface AllocProblemItem {
  target: number;
  lowerBound: number;
  upperBound: number;
}

interface RelativeAllocItem {
  target: number;
  relativeLowerBound: number;
  relativeUpperBound: number;
}

/** A target below this is treated as this (it divides the bounds). */
export const MIN_TARGET = 0.001;
const EPSILON = 0.0000001;
/** Go's float64(math.MaxFloat32), where kube starts its min scans. */
const MAX_FLOAT32 = 3.4028234663852886e38;

export type Allocation = { allocs: number[]; fairProp: number } | { error: string };

/**
 * The unique allocation (and its fairProp) that sums to `requiredSum`, keeps each class within its bounds, and gives
 * each class either fairProp × target or the bound that fairProp × target would cross; or why there is none.
 */
export function computeConcurrencyAllocation(requiredSum: number, classes: AllocProblemItem[]): Allocation {
  if (requiredSum < 0) return { error: 'negative sums are not supported' };
  let lowSum = 0;
  let highSum = 0;
  let targetSum = 0;
  const ub = { min: MAX_FLOAT32, max: 0 };
  const lb = { min: MAX_FLOAT32, max: 0 };
  const relative: RelativeAllocItem[] = [];
  for (const [idx, item] of classes.entries()) {
    let target = item.target;
    if (item.lowerBound < 0) return { error: `lower bound ${idx} is ${item.lowerBound} but negative lower bounds are not allowed` };
    if (target < item.lowerBound) return { error: `target ${idx} is ${target}, which is below its lower bound of ${item.lowerBound}` };
    if (item.upperBound < item.lowerBound) return { error: `upper bound ${idx} is ${item.upperBound} but should not be less than the lower bound ${item.lowerBound}` };
    if (target < MIN_TARGET) target = MIN_TARGET;
    lowSum += item.lowerBound;
    highSum += item.upperBound;
    targetSum += target;
    const r = { target, relativeLowerBound: item.lowerBound / target, relativeUpperBound: item.upperBound / target };
    ub.min = Math.min(ub.min, r.relativeUpperBound); ub.max = Math.max(ub.max, r.relativeUpperBound);
    lb.min = Math.min(lb.min, r.relativeLowerBound); lb.max = Math.max(lb.max, r.relativeLowerBound);
    relative.push(r);
  }
  if (lb.max > 1) return { error: `lbRange.max-1=${lb.max - 1}, which is impossible because lbRange.max can not be greater than 1` };
  if (lowSum - requiredSum > EPSILON) return { error: `lower bounds sum to ${lowSum}, which is higher than the required sum of ${requiredSum}` };
  if (requiredSum - highSum > EPSILON) return { error: `upper bounds sum to ${highSum}, which is lower than the required sum of ${requiredSum}` };
  if (requiredSum === 0) return { allocs: classes.map(() => 0), fairProp: 0 };
  // No wiggle room, constrained from below or from above.
  if (lowSum - requiredSum > -EPSILON) return { allocs: classes.map((c) => c.lowerBound), fairProp: lb.min };
  if (requiredSum - highSum > -EPSILON) return { allocs: classes.map((c) => c.upperBound), fairProp: ub.max };
  let fairProp = requiredSum / targetSum;
  if (lb.max <= fairProp && fairProp <= ub.min) return { allocs: relative.map((r) => r.target * fairProp), fairProp };

  // Some bounds matter: consider progressively higher values of fairProp, from lbRange.min, bound by bound.
  const bounds = boundsAscending(relative);
  let sumSoFar = lowSum;
  fairProp = lb.min;
  let sensitiveTargetSum = 0;
  let deltaSensitiveTargetSum = 0;
  let numSensitiveClasses = 0;
  let deltaSensitiveClasses = 0;
  let nextIdx = 0;
  while (sumSoFar < requiredSum) {
    let nextBound: number;
    for (;;) {
      sensitiveTargetSum += deltaSensitiveTargetSum;
      numSensitiveClasses += deltaSensitiveClasses;
      if (nextIdx >= bounds.length) return { error: 'impossible: ran out of bounds to consider in bound-constrained problem' };
      const bound = bounds[nextIdx]!;
      nextBound = bound.value;
      deltaSensitiveClasses = bound.lower ? 1 : -1;
      deltaSensitiveTargetSum = bound.lower ? relative[bound.item]!.target : -relative[bound.item]!.target;
      nextIdx++;
      if (nextBound > fairProp) break;
    }
    if (numSensitiveClasses === 0) {
      fairProp = nextBound;
      continue;
    }
    const nextProp = fairProp + (requiredSum - sumSoFar) / sensitiveTargetSum;
    if (nextProp <= nextBound) {
      fairProp = nextProp;
      break;
    }
    sumSoFar += (nextBound - fairProp) * sensitiveTargetSum;
    fairProp = nextBound;
  }
  return { allocs: classes.map((c, idx) => Math.max(c.lowerBound, Math.min(c.upperBound, fairProp * relative[idx]!.target))), fairProp };
}

/** Every class's relative lower and upper bound, ascending (kube's relativeAllocProblem after sort.Sort). */
function boundsAscending(items: RelativeAllocItem[]): { value: number; item: number; lower: boolean }[] {
  const bounds = items.flatMap((r, item) => [
    { value: r.relativeLowerBound, item, lower: true },
    { value: r.relativeUpperBound, item, lower: false },
  ]);
  return bounds.sort((a, b) => a.value - b.value);
}
