// How many seats a request takes (kube's work estimator, sized for this server). kube charges a LIST one seat per 100
// objects it expects to read; this server cannot know that before asking the platform, and every LIST reads and parses
// the platform's whole listing of a namespace (27 MB at 10,000 deployments), so a LIST costs LIST_SEATS. A watch holds
// WATCH_INIT_SEATS only while it initialises (its first listing and the start of its stream), then none, as kube's
// watch initialisation does. Everything else is one seat. A level's maxSeats caps each, as kube's does.

export const LIST_SEATS = 4;
export const WATCH_INIT_SEATS = 2;

export function requestSeats(verb: string, isResourceRequest: boolean, maxSeats: number): number {
  const wanted = !isResourceRequest ? 1 : verb === 'list' ? LIST_SEATS : verb === 'watch' ? WATCH_INIT_SEATS : 1;
  return Math.max(1, Math.min(wanted, maxSeats));
}
