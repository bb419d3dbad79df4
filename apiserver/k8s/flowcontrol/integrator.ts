// The time integral of a level's seat demand (seats in use + seats waiting), ported from kube's
// fairqueuing/integrator.go: the time-weighted average, standard deviation, minimum and maximum of a value since the
// last reset. Borrowing (borrowing.ts) reads and resets it once per adjustment period.

export interface IntegratorResults {
  /** Seconds integrated. */
  duration: number;
  /** Time-weighted; NaN when no time passed. */
  average: number;
  /** sqrt(avg((x - avg)²)); NaN when no time passed or rounding made the variance negative. */
  deviation: number;
  min: number;
  max: number;
}

export class Integrator {
  private x = 0;
  private min = 0;
  private max = 0;
  private elapsed = 0;
  private integralX = 0;
  private integralXX = 0;
  private lastTime: number;

  /** `now`: a clock in seconds. */
  constructor(private readonly now: () => number) {
    this.lastTime = now();
  }

  set(x: number): void {
    this.update();
    this.x = x;
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
  }

  add(delta: number): void {
    this.set(this.x + delta);
  }

  getResults(): IntegratorResults {
    this.update();
    let average = NaN;
    let deviation = NaN;
    if (this.elapsed > 0) {
      average = this.integralX / this.elapsed;
      const variance = this.integralXX / this.elapsed - average * average;
      if (variance >= 0) deviation = Math.sqrt(variance);
    }
    return { duration: this.elapsed, average, deviation, min: this.min, max: this.max };
  }

  /** The results so far; integration starts again from now. */
  reset(): IntegratorResults {
    const results = this.getResults();
    this.elapsed = 0;
    this.integralX = 0;
    this.integralXX = 0;
    this.min = this.x;
    this.max = this.x;
    return results;
  }

  private update(): void {
    const now = this.now();
    const dt = now - this.lastTime;
    this.lastTime = now;
    this.elapsed += dt;
    this.integralX += this.x * dt;
    this.integralXX += this.x * this.x * dt;
  }
}
