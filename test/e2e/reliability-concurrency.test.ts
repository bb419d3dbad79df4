// Optimistic concurrency through kube-apiserver: 50 writers × 20 updates on one object, each a merge patch with the
// resourceVersion it read as precondition and a key of its own. Every accepted write must be present at the end, every
// rejected one must have been a 409 Conflict (and be absent), and nothing else may happen.
import t from 'tap';
import { kubectl } from '../../tools/cluster/control-plane.js';
import { scenario } from '../support/product.js';
import { kubeAdmin } from '../support/hostile.js';

const { stack, cp, ns, platform, manifest } = await scenario('conc');
const WRITERS = 50;
const UPDATES = 20;
const TIME_LIMIT_MS = 90_000;
const path = `/apis/${stack.apiGroup}/v1/namespaces/${ns}/vvpdeployments/contended`;

interface Obj { metadata: { resourceVersion: string; annotations?: Record<string, string> } }

t.before(async () => {
  const res = await kubectl(cp, ['apply', '-f', '-'], {
    input: JSON.stringify(manifest('contended')),
  });
  if (res.code !== 0) throw new Error(res.stderr);
});

t.test(`${WRITERS} writers × ${UPDATES} updates with resourceVersion preconditions: accepted present, rejected 409`, async (t) => {
  const api = kubeAdmin(cp, WRITERS);
  t.teardown(api.close);
  const accepted: string[] = [];
  const conflicts: string[] = [];
  const other: string[] = [];
  const started = Date.now();
  const writer = async (w: number) => {
    for (let u = 0; u < UPDATES && Date.now() - started < TIME_LIMIT_MS; u++) {
      const key = `conc.e2e/w${w}-u${u}`;
      const read = await api.send({ path, headers: { accept: 'application/json' } });
      if (read.status !== 200) {
        other.push(`${key}: GET ${read.status || read.error} ${read.body.slice(0, 200)}`);
        continue;
      }
      const rv = (JSON.parse(read.body) as Obj).metadata.resourceVersion;
      const res = await api.send({
        method: 'PATCH', path, headers: { 'content-type': 'application/merge-patch+json', accept: 'application/json' },
        body: JSON.stringify({ metadata: { resourceVersion: rv, annotations: { [key]: String(u) } } }),
      });
      if (res.status === 200) accepted.push(key);
      else if (res.status === 409) conflicts.push(key);
      else other.push(`${key}: PATCH ${res.status || res.error} ${res.body.slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
  const elapsed = Date.now() - started;

  const final = await api.send({ path, headers: { accept: 'application/json' } });
  t.equal(final.status, 200);
  const annotations = (JSON.parse(final.body) as Obj).metadata.annotations ?? {};
  const platformDeployment = (await platform<{ metadata: { annotations?: Record<string, string> } }>('GET', '/api/v1/namespaces/default/deployments/contended')).body;
  // The platform keeps the Kubernetes annotations as one JSON annotation.
  const onPlatform = JSON.parse(platformDeployment.metadata.annotations?.['k8s.ververica.platform/annotations'] ?? '{}') as Record<string, string>;
  const attempts = accepted.length + conflicts.length + other.length;
  const lost = accepted.filter((k) => annotations[k] === undefined);
  const ghost = conflicts.filter((k) => annotations[k] !== undefined);
  const lostOnPlatform = accepted.filter((k) => onPlatform[k] === undefined);
  t.comment(`concurrency: ${attempts} attempts in ${(elapsed / 1000).toFixed(1)}s: ${accepted.length} accepted, ${conflicts.length} × 409, ${other.length} other; lost ${lost.length}, rejected-but-present ${ghost.length}, missing on the platform ${lostOnPlatform.length}`);
  t.equal(attempts, WRITERS * UPDATES, 'every planned update was attempted within the time limit');
  t.ok(accepted.length > 0, 'some writes were accepted');
  t.same(other.slice(0, 10), [], `every rejection was a 409 Conflict (${other.length} were not)`);
  t.same(lost, [], 'every accepted write is present');
  t.same(ghost, [], 'no rejected write is present');
  t.same(lostOnPlatform, [], 'and every accepted write reached the platform');
});
