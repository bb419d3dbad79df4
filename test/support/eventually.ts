// Waiting for a condition, never for a time: the probe is asked every 300 ms until it answers (not undefined or
// false) or the generous deadline passes; then the error says what did not happen, and the probe's last failure.

export async function eventually<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  // A monotonic clock: a step of the wall clock (a VM paused and resumed, a time sync) does not end the wait early.
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  while (performance.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${what} did not happen in ${timeoutMs / 1000}s${last ? `: ${(last as Error).message}` : ''}`);
}
