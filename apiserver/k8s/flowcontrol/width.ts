// How many seats a request takes: kube's work estimator (k8s.io/apiserver v0.37.2, flowcontrol/request/
// list_work_estimator.go with SizeBasedListCostEstimate on, its default). A LIST, and a watch that sends initial
// events (sendInitialEvents=true, or a legacy watch from resourceVersion "" or "0"), takes one seat per 100,000 bytes
// of objects it loads at once: the resource's object count and average size (object-stats.ts) times the share of them
// the request reads — one for a named request, the limit, half the objects under a selector, at most 1 MB from the
// watch cache. At least one seat; at most the level's maxSeats and 100. Everything else takes one seat.
//
// Where kube's rules meet this server: what kube reads from its watch cache is what a watch is served from here (the
// watch hub), and what kube reads from etcd is what a list reads here (the platform) — the estimator's choice between
// the two is kube's own (delegator.go, without a consistent cache). A resource this server has no stats for yet is
// charged as kube charges a stale count, the maximum: kube charges an unknown count the minimum because an
// aggregated server does that work, and here this server is that one. kube's checks are the judge:
// test/unit/k8s/flowcontrol/kube-width-cases.json holds kube's own answers (tools/apf-fixtures/generate-width.sh).

export const MIN_SEATS = 1;
/** kube's MaximumListSeatsLimit with size-based estimation. */
export const MAX_LIST_SEATS = 100;
const BYTES_PER_SEAT = 100_000;
const CACHE_WITH_STREAMING_MAX_MEMORY = 1_000_000;
const MAX_OBJECT_SIZE = 1_500_000;
const INFINITE_OBJECT_COUNT = 1_000_000_000;

/** What of a request the estimate reads: its RequestInfo and its list options, as sent. */
export interface WidthRequest {
  verb: string;
  isResourceRequest: boolean;
  /** The object's name, or the name a metadata.name field selector asks for. */
  name?: string;
  query: Record<string, string | string[] | undefined>;
}

/** A resource's objects as this server last saw them (kube's storage.Stats). */
export interface ObjectStatsValue {
  objectCount: number;
  averageBytes: number;
}

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
/** Go's strconv.ParseBool, which kube's query conversion uses. */
const TRUE_TEXT = ['1', 't', 'T', 'true', 'TRUE', 'True'];
const FALSE_TEXT = ['0', 'f', 'F', 'false', 'FALSE', 'False'];

/** kube's Convert_url_Values_To_v1_ListOptions, as far as the estimate needs it: undefined when it would fail. */
function listOptions(query: WidthRequest['query']) {
  const limitText = first(query.limit);
  const boolText = first(query.sendInitialEvents);
  if (limitText !== undefined && limitText !== '' && !/^[+-]?\d+$/.test(limitText)) return undefined;
  if (boolText !== undefined && boolText !== '' && !TRUE_TEXT.includes(boolText) && !FALSE_TEXT.includes(boolText)) return undefined;
  return {
    limit: limitText ? Number(limitText) : 0,
    resourceVersion: first(query.resourceVersion) ?? '',
    resourceVersionMatch: first(query.resourceVersionMatch) ?? '',
    continue: first(query.continue) ?? '',
    selected: Boolean(first(query.labelSelector)) || Boolean(first(query.fieldSelector)),
    sendInitialEvents: boolText === undefined || boolText === '' ? undefined : TRUE_TEXT.includes(boolText),
  };
}

/** delegator.ShouldDelegateListMeta with a cache that has no snapshots and no consistent reads: read from storage? */
function listsFromStorage(o: NonNullable<ReturnType<typeof listOptions>>): boolean {
  if (o.resourceVersionMatch === 'NotOlderThan') return false;
  if (o.resourceVersionMatch !== '') return true;
  if (o.continue) return true;
  if (o.limit > 0 && o.resourceVersion !== '' && o.resourceVersion !== '0') return true;
  return o.resourceVersion === '';
}

export function requestSeats(request: WidthRequest, stats: ObjectStatsValue | undefined, levelMaxSeats: number): number {
  if (!request.isResourceRequest || (request.verb !== 'list' && request.verb !== 'watch')) return MIN_SEATS;
  const maxSeats = levelMaxSeats === 0 || levelMaxSeats > MAX_LIST_SEATS ? MAX_LIST_SEATS : levelMaxSeats;
  const options = listOptions(request.query);
  if (!options) return maxSeats;
  if (request.verb === 'watch') {
    const legacyWatch = options.resourceVersion === '' || options.resourceVersion === '0';
    if (options.sendInitialEvents !== true && !legacyWatch) return MIN_SEATS;
  }
  const fromCache = request.verb === 'watch' || !listsFromStorage(options);
  const known = stats ?? { objectCount: INFINITE_OBJECT_COUNT, averageBytes: MAX_OBJECT_SIZE };
  const averageBytes = known.averageBytes <= 0 && known.objectCount !== 0 ? MAX_OBJECT_SIZE : known.averageBytes;
  const limited = options.limit > 0 && options.limit < known.objectCount ? options.limit : known.objectCount;
  const loaded = request.name ? 1 : fromCache ? limited : options.selected ? Math.max(limited, Math.trunc(known.objectCount / 2)) : limited;
  let bytes = loaded * averageBytes;
  if (fromCache) bytes = Math.min(bytes, CACHE_WITH_STREAMING_MAX_MEMORY);
  const seats = Math.ceil(bytes / BYTES_PER_SEAT);
  return Math.max(MIN_SEATS, Math.min(seats, maxSeats));
}
