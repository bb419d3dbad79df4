// Two Ververica Platform installations behind one API, seen by the cluster's admission and by a client walking lists.
// A create by PUT and one by server-side apply each call every mutating and validating webhook exactly once (the
// webhook's own log of reviews): the storage routes them by the owner label of the object the request sent, read
// once before admission. Lists span both instances and page as a CRD's do: pages of `limit` matching objects that
// continue while objects follow, one continue-token format, and kube-apiserver's words for bad list parameters.
import t from 'tap';
import { eventually } from '../support/eventually.js';
import { kubeAdmin } from '../support/hostile.js';
import { scenario } from '../support/product.js';
import { externalNameService, startWebhookServer } from '../../tools/webhook-server.js';

const { stack, cp, ns, resource, k, manifest, collection } = await scenario('platforms-writes', { platforms: 2 });
const [one, two] = stack.platforms;
if (!one || !two) throw new Error('the stack has not started two platform instances');
const OWNER = 'ververica.platform/owner';
const HOOKS_NS = 'platforms-writes-hooks';
const MUTATED = 'platforms-writes.example.com/mutated';
const admin = kubeAdmin(cp);
t.teardown(admin.close);

const hooks = await startWebhookServer({ namespace: HOOKS_NS, name: 'hooks' }, {
  '/mutate': (r) => ({
    allowed: true,
    patch: r.object?.metadata.labels
      ? [{ op: 'add', path: `/metadata/labels/${MUTATED.replace('/', '~1')}`, value: 'true' }]
      : [{ op: 'add', path: '/metadata/labels', value: { [MUTATED]: 'true' } }],
  }),
  '/validate': () => ({ allowed: true }),
});
t.teardown(() => hooks.close());

/** The reviews a webhook received for `name`, by operation. */
const reviewed = (path: string, name: string, operation: string) => (hooks.reviews.get(path) ?? []).filter((r) => r.name === name && r.operation === operation).length;

const owned = (name: string, owner: string, labels: Record<string, string> = {}) => manifest(name, { labels: { ...labels, [OWNER]: owner } });

async function json<T>(path: string): Promise<{ status: number; body: T }> {
  const res = await admin.send({ path, headers: { accept: 'application/json' } });
  return { status: res.status, body: JSON.parse(res.body || '{}') as T };
}

t.before(async () => {
  await k(['label', 'namespace', ns, 'hooks=on']);
  await k(['create', 'namespace', HOOKS_NS]);
  await k(['apply', '-f', '-'], JSON.stringify(externalNameService(HOOKS_NS, 'hooks', hooks.port)));
  const common = { admissionReviewVersions: ['v1'], timeoutSeconds: 20, sideEffects: 'None', failurePolicy: 'Fail', namespaceSelector: { matchLabels: { hooks: 'on' } } };
  const rules = [{ apiGroups: [stack.apiGroup], apiVersions: ['*'], resources: ['vvpdeployments'], operations: ['CREATE', 'UPDATE'], scope: 'Namespaced' }];
  await k(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'v1', kind: 'List', items: [
      { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'platforms-writes-mutate' }, webhooks: [{ ...common, name: 'mutate.platforms-writes.e2e', clientConfig: hooks.clientConfig('/mutate'), rules }] },
      { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'platforms-writes-validate' }, webhooks: [{ ...common, name: 'validate.platforms-writes.e2e', clientConfig: hooks.clientConfig('/validate'), rules }] },
    ],
  }));
  await eventually('the server sees the webhook configurations', async () => {
    const res = await k(['create', '--dry-run=server', '-o', 'json', '-f', '-'], JSON.stringify(owned('probe', two.instanceId)));
    if (res.code !== 0) throw new Error(res.stderr);
    return (JSON.parse(res.stdout) as { metadata: { labels?: Record<string, string> } }).metadata.labels?.[MUTATED] === 'true';
  }, 120_000);
});

t.teardown(async () => {
  await k(['delete', 'mutatingwebhookconfiguration', 'platforms-writes-mutate', '--ignore-not-found']);
  await k(['delete', 'validatingwebhookconfiguration', 'platforms-writes-validate', '--ignore-not-found']);
});

t.test('a create by PUT calls each webhook once and lands on the platform its owner label names', async (t) => {
  const body = JSON.stringify(owned('put-created', two.instanceId));
  const res = await admin.send({ method: 'PUT', path: `${collection}/put-created`, headers: { 'content-type': 'application/json', accept: 'application/json' }, body });
  t.equal(res.status, 201, res.body);
  const created = JSON.parse(res.body) as { metadata: { labels: Record<string, string> } };
  t.equal(created.metadata.labels[MUTATED], 'true', 'the mutating webhook ran');
  t.equal(created.metadata.labels[OWNER], two.instanceId);
  t.equal(reviewed('/mutate', 'put-created', 'CREATE'), 1, 'the mutating webhook was called once');
  t.equal(reviewed('/validate', 'put-created', 'CREATE'), 1, 'the validating webhook was called once');
  t.equal(reviewed('/mutate', 'put-created', 'UPDATE') + reviewed('/validate', 'put-created', 'UPDATE'), 0, 'and never as an update');
  const onTwo = await fetch(`${two.url}/api/v1/namespaces/default/deployments/put-created`, { headers: { authorization: `Bearer ${two.userToken}` } });
  t.equal(onTwo.status, 200, 'the deployment is on the second platform');
  const onOne = await fetch(`${one.url}/api/v1/namespaces/default/deployments/put-created`, { headers: { authorization: `Bearer ${one.userToken}` } });
  t.equal(onOne.status, 404, 'and not on the first');
});

t.test('a create by server-side apply calls each webhook once; an update by apply once more', async (t) => {
  const created = await k(['apply', '--server-side', '-f', '-'], JSON.stringify(owned('applied', one.instanceId)));
  t.equal(created.code, 0, created.stderr);
  t.equal(reviewed('/mutate', 'applied', 'CREATE'), 1, 'the mutating webhook was called once');
  t.equal(reviewed('/validate', 'applied', 'CREATE'), 1, 'the validating webhook was called once');
  const updated = await k(['apply', '--server-side', '-f', '-'], JSON.stringify(owned('applied', one.instanceId, { team: 'a' })));
  t.equal(updated.code, 0, updated.stderr);
  t.equal(reviewed('/mutate', 'applied', 'UPDATE'), 1, 'the update: the mutating webhook once');
  t.equal(reviewed('/validate', 'applied', 'UPDATE'), 1, 'the update: the validating webhook once');
  t.equal(reviewed('/mutate', 'applied', 'CREATE'), 1, 'and no second create review');
});

t.test('a PUT that would create with no owner label is refused after admission, as a create is', async (t) => {
  const m = manifest('unowned');
  const res = await admin.send({ method: 'PUT', path: `${collection}/unowned`, headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(m) });
  t.equal(res.status, 422, res.body);
  t.match(JSON.parse(res.body), { reason: 'Invalid', details: { causes: [{ field: `metadata.labels[${OWNER}]` }] }, message: /Required value/ });
  t.ok(reviewed('/mutate', 'unowned', 'CREATE') <= 1, 'admission ran at most once');
});

t.test('lists span both instances and page as a CRD does', async (t) => {
  // Six objects, three on each platform, two of them labelled tier=web.
  for (const [i, owner] of [one, two, one, two, one, two].entries()) {
    const res = await k(['apply', '-f', '-'], JSON.stringify(owned(`page-${i}`, owner.instanceId, { paging: 'yes', ...(i === 1 || i === 4 ? { tier: 'web' } : {}) })));
    t.equal(res.code, 0, res.stderr);
  }
  type List = { metadata: { continue?: string; remainingItemCount?: number; resourceVersion?: string }; items: { metadata: { name: string } }[] };
  const walk = async (query: string) => {
    const pages: Array<{ names: string[]; continues: boolean; remaining?: number }> = [];
    let cont: string | undefined;
    do {
      const res = await json<List>(`${collection}?${query}${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
      t.equal(res.status, 200);
      t.ok(res.body.metadata.resourceVersion, 'every page has a resourceVersion');
      pages.push({ names: res.body.items.map((o) => o.metadata.name), continues: Boolean(res.body.metadata.continue), ...(res.body.metadata.remainingItemCount === undefined ? {} : { remaining: res.body.metadata.remainingItemCount }) });
      cont = res.body.metadata.continue;
    } while (cont && pages.length < 20);
    return pages;
  };
  t.same(await walk('labelSelector=paging%3Dyes&limit=4'), [
    { names: ['page-0', 'page-1', 'page-2', 'page-3'], continues: true },
    { names: ['page-4', 'page-5'], continues: false },
  ], 'a selector: pages of matching objects from both instances, no count');
  t.same(await walk('labelSelector=paging%3Dyes,tier%3Dweb&limit=1'), [
    { names: ['page-1'], continues: true }, { names: ['page-4'], continues: true }, { names: [], continues: false },
  ], 'a page continues while objects follow the last one looked at, as a CRD list does');
  const first = await json<List>(`${collection}?limit=2`);
  t.ok((first.body.metadata.remainingItemCount ?? 0) >= 4, 'without selectors the rest is counted');
  const token = JSON.parse(Buffer.from(first.body.metadata.continue ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  t.match(token, { v: 'meta.k8s.io/v1', rv: Number, start: String }, "kube-apiserver's continue-token format");
  t.same((await walk('labelSelector=paging%3Dyes&limit=2&resourceVersion=0')).map((p) => p.names.length), [6], 'resourceVersion=0 ignores the limit');
  t.same((await walk('labelSelector=paging%3Dyes&limit=-1')).map((p) => p.names.length), [6], 'a negative limit is no limit');
});

t.test('bad list parameters answer in kube-apiserver words', async (t) => {
  const cases: Array<[string, string]> = [
    ['continue=garbage', "invalid continue token: continue key is not valid: invalid character '\\u0081' looking for beginning of value"],
    ['limit=abc', 'strconv.ParseInt: parsing "abc": invalid syntax'],
    ['timeoutSeconds=abc', 'strconv.ParseInt: parsing "abc": invalid syntax'],
    ['resourceVersion=abc', 'invalid resource version: resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax'],
  ];
  for (const [query, message] of cases) {
    const res = await json<{ code: number; reason: string; message: string }>(`${collection}?${query}`);
    t.equal(res.status, 400, query);
    t.match(res.body, { code: 400, reason: 'BadRequest', message }, query);
  }
  const wrong = await k(['get', resource, '-n', ns, '--chunk-size=1', '-o', 'name']);
  t.equal(wrong.code, 0, 'kubectl pages through both instances with --chunk-size=1');
  t.match(wrong.stdout, /page-5/);
});
