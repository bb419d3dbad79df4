/** RFC 3339 in whole seconds, as Kubernetes writes metav1.Time. */
export function kubeTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A timestamp (any form Date.parse reads) in milliseconds since the epoch; 0 when absent or unreadable. */
export function millis(t: string | undefined): number {
  const ms = t ? Date.parse(t) : NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

/** A platform timestamp in Kubernetes form, or undefined when absent or unreadable. */
export function fromPlatformTime(t: string | undefined): string | undefined {
  if (!t) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : kubeTime(new Date(ms));
}

/** The latest of some timestamps (any form Date.parse reads), in Kubernetes form. */
export function latestTime(...ts: (string | undefined)[]): string | undefined {
  let best: number | undefined;
  for (const t of ts) {
    const ms = t ? Date.parse(t) : NaN;
    if (!Number.isNaN(ms) && (best === undefined || ms > best)) best = ms;
  }
  return best === undefined ? undefined : kubeTime(new Date(best));
}
