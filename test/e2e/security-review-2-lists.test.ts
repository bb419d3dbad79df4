// The second security review's finding 6 (issue #28), tried as its reviewer did: a viewer of an empty Kubernetes
// namespace lists VvpDeployments, VvpSavepoints and VvpJobs through kube-apiserver with `kubectl --as`, while another
// team runs a dozen deployments on the same platform namespace. Judged by what the platform was asked for and
// answered (the emulator's request log: each request's query and the bytes of its answer): every listing the lists
// cause is selected by the viewer's namespace, and the bytes they read are a small fraction of the whole listing.
//
// The watch polls are an hour apart here (--poll-interval=1h), so the platform requests in the window are the lists'
// own, bar the every-replica occupancy listing (every 30 s) — which the counts allow for.
import t from 'tap';
import { eventually } from '../support/eventually.js';
import { scenario } from '../support/product.js';

const { stack, k, platform, manifest, resource } = await scenario('review2l', { serverArgs: ['--poll-interval=1h'] });
const group = stack.apiGroup;
const crowded = 'review2l-team-a';
const empty = 'review2l-empty';
const viewer = 'victor';
const kinds = [resource, `vvpsavepoints.${group}`, `vvpjobs.${group}`];
const ROUNDS = 5;

interface Logged { method: string; url: string; status: number; bytes: number }
/** The platform requests answered since the log was last cleared. */
async function platformRequests(): Promise<Logged[]> {
  return (await platform<{ requests: Logged[] }>('GET', '/__emulator/requests/log')).body.requests;
}

async function must(what: string, res: Promise<{ code: number; stderr: string; stdout: string }>): Promise<string> {
  const r = await res;
  if (r.code !== 0) throw new Error(`${what}: ${r.stderr}`);
  return r.stdout;
}

const NAMESPACE_LABEL = 'k8s.ververica.platform/namespace';
/** The Kubernetes namespace a platform listing of deployments selected by, '' for none; undefined for other requests. */
function selectedNamespace(request: Logged): string | undefined {
  const url = new URL(request.url, 'http://platform');
  if (request.method !== 'GET' || !/^\/api\/v1\/namespaces\/[^/]+\/deployments$/.test(url.pathname)) return undefined;
  const selector = url.searchParams.get('labelSelector') ?? '';
  return selector.split(',').find((term) => term.startsWith(`${NAMESPACE_LABEL}=`))?.slice(NAMESPACE_LABEL.length + 1) ?? '';
}

/** Whether the request lists a platform namespace's jobs or savepoints without a deployment id. */
function wholeChildListing(request: Logged): boolean {
  const url = new URL(request.url, 'http://platform');
  return request.method === 'GET' && /^\/api\/v1\/namespaces\/[^/]+\/(jobs|savepoints)$/.test(url.pathname) && !url.searchParams.has('deploymentId');
}

t.before(async () => {
  await must('namespaces', k(['create', 'namespace', crowded]));
  await must('namespaces', k(['create', 'namespace', empty]));
  await must('viewer', k(['-n', empty, 'create', 'rolebinding', 'victor-view', `--clusterrole=${stack.release}:view`, `--user=${viewer}`]));
  const list = { apiVersion: 'v1', kind: 'List', items: Array.from({ length: 12 }, (_, i) => ({ ...manifest(`job-${i}`, { state: 'RUNNING' }), metadata: { name: `job-${i}`, namespace: crowded } })) };
  await must('the other team\'s deployments', k(['apply', '-f', '-'], JSON.stringify(list)));
  await eventually('the other team\'s jobs exist on the platform', async () => {
    const jobs = await platform<{ items: unknown[] }>('GET', '/api/v1/namespaces/default/jobs');
    return jobs.status === 200 && jobs.body.items.length >= 12;
  }, 180_000);
});

t.test('finding 6: a viewer of an empty namespace makes the server read that namespace only', async (t) => {
  // What the server used to read for each such list: every managed deployment of the platform namespace.
  const whole = await platform<{ items: unknown[] }>('GET', `/api/v1/namespaces/default/deployments?labelSelector=${encodeURIComponent(`ververica.platform/managed-by=${stack.instanceId}`)}`);
  t.equal(whole.body.items.length, 12, 'the other team\'s 12 deployments are on the platform namespace');
  const wholeBytes = Buffer.byteLength(JSON.stringify(whole.body));
  t.ok(wholeBytes > 12 * 1_000, `the whole listing is ${wholeBytes} bytes`);

  // Every kind listed once first: the server's watch hubs take their one snapshot of the platform namespace.
  for (const kind of kinds) await must('a first list', k([`--as=${viewer}`, '-n', empty, 'get', kind]));
  await platform('DELETE', '/__emulator/requests');
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of kinds) {
      const r = await k([`--as=${viewer}`, '-n', empty, 'get', kind]);
      t.equal(r.code, 0, `${kind}: listed (${r.stderr.trim()})`);
      t.match(r.stderr, /No resources found/);
    }
  }
  const requests = await platformRequests();
  const listings = requests.map((r) => ({ r, ns: selectedNamespace(r) })).filter((x) => x.ns !== undefined);
  const selected = listings.filter((x) => x.ns === empty);
  const unselected = listings.filter((x) => x.ns === '');
  const childWhole = requests.filter(wholeChildListing);
  const bytes = listings.reduce((sum, x) => sum + x.r.bytes, 0) + childWhole.reduce((sum, r) => sum + r.bytes, 0);
  t.comment(`${ROUNDS * kinds.length} lists: ${selected.length} listings selected by ${empty}, ${unselected.length} unselected, ${childWhole.length} whole job/savepoint listings; ${bytes} bytes read in all (the whole listing: ${wholeBytes} bytes)`);
  t.ok(selected.length >= ROUNDS * kinds.length, 'each list reads its namespace\'s deployments by label');
  t.ok(selected.every((x) => x.r.bytes < wholeBytes / 10), 'each selected listing is a small fraction of the whole');
  // Allowance: the occupancy listing of every replica (every 30 s) may fall in the window, a few times at most.
  t.ok(unselected.length <= 3, `no list reads every tenant's deployments (${unselected.length} unselected listings: the background occupancy's)`);
  t.ok(childWhole.length <= 2, `no list reads every job or savepoint of the platform namespace (${childWhole.length})`);
  t.ok(bytes < 5 * wholeBytes, `${ROUNDS * kinds.length} lists read less than 5 whole listings (${bytes} bytes)`);
});

t.test('the viewer\'s lists still show what is there: its own namespace once it has a deployment, never the other team\'s', async (t) => {
  await must('a deployment in the viewer\'s namespace', k(['apply', '-f', '-'], JSON.stringify({ ...manifest('own'), metadata: { name: 'own', namespace: empty } })));
  const listed = await must('list', k([`--as=${viewer}`, '-n', empty, 'get', resource, '-o', 'name']));
  t.same(listed.trim().split('\n'), [`vvpdeployment.${group}/own`]);
  const denied = await k([`--as=${viewer}`, '-n', crowded, 'get', resource]);
  t.not(denied.code, 0, 'the other team\'s namespace is not the viewer\'s to list');
  t.match(denied.stderr, /forbidden/);
});
