// A request's seats are the ones kube's own work estimator gives: kube-width-cases.json holds its answers for a
// table of verbs, list options, object counts and sizes and level maxSeats (tools/apf-fixtures/generate-width.sh ran
// k8s.io/apiserver v0.37.2's estimator on them). One difference is chosen, and checked here as chosen: a resource this
// server has no stats for is charged as kube charges a stale count (the maximum), not as an unknown one (the minimum).
import { readFileSync } from 'node:fs';
import t from 'tap';
import { requestSeats } from '../../../../apiserver/k8s/flowcontrol/width.js';

type KubeCase = [verb: string, name: string, query: string, stats: 'known' | 'stale' | 'notFound', objectCount: number, averageBytes: number, maxSeats: number, seats: number];
const kubeCases = JSON.parse(readFileSync('test/unit/k8s/flowcontrol/kube-width-cases.json', 'utf8')) as KubeCase[];

const seatsHere = ([verb, name, query, stats, objectCount, averageBytes, maxSeats]: KubeCase) => requestSeats(
  { verb, isResourceRequest: true, ...(name ? { name } : {}), query: Object.fromEntries(new URLSearchParams(query)) },
  stats === 'known' ? { objectCount, averageBytes } : undefined,
  maxSeats,
);

t.test(`every one of kube's ${kubeCases.length} estimates is this server's, for a resource with stats or a stale count`, async (t) => {
  const compared = kubeCases.filter((c) => c[3] !== 'notFound');
  const differ = compared.filter((c) => seatsHere(c) !== c[7]).map((c) => `${JSON.stringify(c)} → ${seatsHere(c)}`);
  t.same(differ.slice(0, 10), [], `${differ.length} of ${compared.length} differ`);
  t.ok(compared.some((c) => c[7] >= 30) && compared.some((c) => c[7] === 1), 'the table spans one seat to many');
});

t.test('a resource with no stats yet is charged as a stale count (kube: the maximum), not as kube charges an unknown one', async (t) => {
  const unknown = kubeCases.filter((c) => c[3] === 'notFound');
  const stale = new Map(kubeCases.filter((c) => c[3] === 'stale').map((c) => [JSON.stringify([c[0], c[1], c[2], c[6]]), c[7]]));
  t.ok(unknown.length > 0);
  for (const c of unknown) {
    const expected = stale.get(JSON.stringify([c[0], c[1], c[2], c[6]]));
    if (seatsHere(c) !== expected) t.fail(`${JSON.stringify(c)}: ${seatsHere(c)}, not ${expected}`);
  }
  t.ok(unknown.some((c) => c[7] === 1 && (stale.get(JSON.stringify([c[0], c[1], c[2], c[6]])) ?? 0) > 1), 'kube charges those one seat');
});

t.test('a non-resource request and a write take one seat', async (t) => {
  t.equal(requestSeats({ verb: 'get', isResourceRequest: false, query: {} }, undefined, 100), 1);
  for (const verb of ['create', 'update', 'patch', 'delete', 'deletecollection']) {
    t.equal(requestSeats({ verb, isResourceRequest: true, query: {} }, { objectCount: 10_000, averageBytes: 3_000 }, 100), 1, verb);
  }
});
