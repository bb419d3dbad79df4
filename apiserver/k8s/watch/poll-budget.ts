// How often a poll-fed watch may list its backend: the configured interval, or longer, so that the bytes read from
// the backend per second stay within a budget. A backend without a change feed pays for every watch with whole
// listings (10,000 platform deployments are about 30 MB); at a 1 s interval that is 30 MB/s of the backend's work for
// a watch that mostly learns that nothing changed. The interval grows with the size of the last listing, so the
// watch latency (about one interval) grows with it instead of the backend's load. Pure: the hub asks before each poll.

/**
 * The interval (ms) before the next poll: `baseMs`, or the time the budget needs to pay for a listing of
 * `lastListingBytes` (bytes/s; 0 or less: no budget), whichever is longer. Unknown size (no listing yet): `baseMs`.
 */
export function budgetedIntervalMs(baseMs: number, lastListingBytes: number | undefined, budgetBytesPerSecond: number): number {
  if (!(budgetBytesPerSecond > 0) || lastListingBytes === undefined || !(lastListingBytes > 0)) return baseMs;
  return Math.max(baseMs, Math.ceil((lastListingBytes * 1000) / budgetBytesPerSecond));
}
