// Who may deploy where (tenancy.ts) and with whose token (apikey-secret.ts): the grants a write needs, decided
// purely, then asked through the real caching authorizer for the user (the review answered by a rule table).
import t from 'tap';
import type { SubjectAccessReviewSpec } from '../../../apiserver/k8s/auth/authorizer.js';
import {
  APIKEY_SECRET_KEY, UnusableSecretError, authorizeApikeySecret, perObjectTokenRejected, apikeyTokenResolver, unusableApikeySecret,
} from '../../../apiserver/vvpdeployment/trust/apikey-secret.js';
import { StateDirectories, authorizePlacement, placementAtCreation, placementOf, requiredGrants } from '../../../apiserver/vvpdeployment/trust/tenancy.js';
import { namingInstance } from '../../../apiserver/vvpdeployment/trust/tenancy.js';
import type { VvpDeployment } from '../../../apiserver/vvpdeployment/types.js';
import { VvpError } from '../../../apiserver/vvp/errors.js';
import { accessFor } from '../../support/access.js';
import { statusOf } from '../../support/rejection.js';

const dev = { username: 'dev', groups: ['system:authenticated'], extra: {} };
const directories = new Map([['team-a', ['s3://state/savepoints/team-a']], ['team-b', ['s3://state/savepoints/team-b', 's3://state/checkpoints/team-b']]]);
const stateDirectories = async () => directories;

function object(spec: Partial<VvpDeployment['spec']> & { target?: string; cluster?: string; config?: Record<string, string> } = {}): VvpDeployment {
  const { target = 'jobs-a', cluster, config, ...rest } = spec;
  return {
    apiVersion: 'ververica.platform/v1', kind: 'VvpDeployment', metadata: { name: 'speeds', namespace: 'team-a-k8s' },
    spec: {
      syncingMode: 'PATCH',
      deployment: {
        metadata: { name: 'speeds', namespace: 'team-a' },
        spec: { ...(cluster ? { sessionClusterName: cluster } : { deploymentTargetName: target }), ...(config ? { template: { spec: { flinkConfiguration: config } } } : {}) },
      },
      ...rest,
    },
  };
}

/** RBAC as a table: `use platformnamespaces team-a` etc. for user dev. */
function rbac(...rules: string[]) {
  const reviews: SubjectAccessReviewSpec[] = [];
  const access = accessFor(dev, (spec) => {
    const a = spec.resourceAttributes;
    return rules.includes(`${a?.verb} ${a?.resource} ${a?.name}`);
  }, reviews);
  return { access, reviews };
}

t.test('a create needs the platform namespace and the target, the target by its name or the namespace wildcard', async (t) => {
  const grants = requiredGrants(placementAtCreation(object()), undefined, directories);
  t.same(grants.map((g) => [g.resource, g.names]), [['platformnamespaces', ['team-a']], ['deploymenttargets', ['team-a/jobs-a', 'team-a/*']]]);
  const session = requiredGrants(placementAtCreation(object({ cluster: 'shared' })), undefined, directories);
  t.same(session.map((g) => [g.resource, g.names]), [['platformnamespaces', ['team-a']], ['sessionclusters', ['team-a/shared', 'team-a/*']]]);
  const byId = object();
  byId.spec.deployment.spec = { deploymentTargetId: '0b6c…' };
  t.same(requiredGrants(placementAtCreation(byId), undefined, directories).map((g) => g.names), [['team-a'], ['team-a/*']], 'an id needs every target');
});

t.test('PATCH-mode initFields count at creation: a target hidden there is checked too', async (t) => {
  const o = object();
  o.spec.deployment.spec = {};
  o.spec.initFields = { spec: { deploymentTargetName: 'jobs-b' } };
  t.same(requiredGrants(placementAtCreation(o), undefined, directories).map((g) => g.names[0]), ['team-a', 'team-a/jobs-b']);
});

t.test('an update needs only what it changes', async (t) => {
  const was = placementOf(object());
  t.same(requiredGrants(placementOf(object()), was, directories), [], 'unchanged: nothing');
  t.same(requiredGrants(placementOf(object({ target: 'jobs-b' })), was, directories).map((g) => g.names), [['team-a/jobs-b', 'team-a/*']]);
});

t.test('savepoint and checkpoint locations in another platform namespace\'s state need that namespace', async (t) => {
  const own = object({ initialSavepointSpec: { savepointLocation: 's3://state/savepoints/team-a/sp-1' } });
  t.same(requiredGrants(placementAtCreation(own), undefined, directories).map((g) => g.names[0]), ['team-a', 'team-a/jobs-a'], 'its own: no more');
  const other = object({ initialSavepointSpec: { savepointLocation: 's3://state/savepoints/team-b/sp-1' } });
  t.same(requiredGrants(placementAtCreation(other), undefined, directories).map((g) => g.names[0]), ['team-a', 'team-a/jobs-a', 'team-b']);
  const dir = object({ config: { 'state.checkpoints.dir': 's3://state/checkpoints/team-b/mine' } });
  t.match(requiredGrants(placementAtCreation(dir), undefined, directories).at(-1), { resource: 'platformnamespaces', names: ['team-b'], why: /flinkConfiguration\[state.checkpoints.dir\]/ });
  const blob = object({ initialSavepointSpec: { savepointLocation: 's3://ubs/namespaces/team-b/deployments/x/savepoints/y' } });
  t.same(requiredGrants(placementAtCreation(blob), undefined, directories).at(-1)?.names, ['team-b'], 'the Universal Blob Storage layout too');
  const external = object({ initialSavepointSpec: { savepointLocation: 's3://elsewhere/sp' } });
  t.equal(requiredGrants(placementAtCreation(external), undefined, directories).length, 2, 'outside every served namespace: the platform namespace grant alone');
});

t.test('denied: kube-apiserver\'s 403 naming the rule to add; the wildcard grant is asked for too', async (t) => {
  const { access, reviews } = rbac('use platformnamespaces team-a');
  const denied = await statusOf(authorizePlacement(access, object(), undefined, { stateDirectories }, new AbortController().signal));
  t.equal(denied?.code, 403);
  t.equal(denied?.reason, 'Forbidden');
  t.equal(denied?.message, 'deploymenttargets.ververica.platform "team-a/*" is forbidden: User "dev" cannot use resource "deploymenttargets" in API group "ververica.platform" in the namespace "team-a-k8s": '
    + 'running on deployment target jobs-a of platform namespace team-a needs a Role bound to the user in namespace team-a-k8s (or a ClusterRole bound cluster-wide) with the rule '
    + '{apiGroups: ["ververica.platform"], resources: ["deploymenttargets"], verbs: ["use"], resourceNames: ["team-a/jobs-a" or "team-a/*"]}');
  t.same(reviews.map((r) => `${r.resourceAttributes?.verb} ${r.resourceAttributes?.resource} ${r.resourceAttributes?.name} in ${r.resourceAttributes?.namespace}`), [
    'use platformnamespaces team-a in team-a-k8s', 'use deploymenttargets team-a/jobs-a in team-a-k8s', 'use deploymenttargets team-a/* in team-a-k8s',
  ]);
});

t.test('granted by name or by the wildcard; another platform namespace is refused', async (t) => {
  const signal = new AbortController().signal;
  t.equal(await statusOf(authorizePlacement(rbac('use platformnamespaces team-a', 'use deploymenttargets team-a/jobs-a').access, object(), undefined, { stateDirectories }, signal)), undefined);
  t.equal(await statusOf(authorizePlacement(rbac('use platformnamespaces team-a', 'use deploymenttargets team-a/*').access, object(), undefined, { stateDirectories }, signal)), undefined);
  const elsewhere = object();
  elsewhere.spec.deployment.metadata = { name: 'speeds', namespace: 'team-b' };
  t.match(await statusOf(authorizePlacement(rbac('use platformnamespaces team-a', 'use deploymenttargets team-a/*').access, elsewhere, undefined, { stateDirectories }, signal)),
    { code: 403, message: /platformnamespaces.ververica.platform "team-b" is forbidden/ });
  t.equal(await statusOf(authorizePlacement(rbac().access, elsewhere, undefined, { stateDirectories, grantEveryone: true }, signal)), undefined, 'the old behaviour when switched on');
  t.match(await statusOf(authorizePlacement(undefined, object(), undefined, { stateDirectories }, signal)), { code: 500 }, 'no access at hand: closed');
});

t.test('locations with . or .. segments are refused before anything is asked', async (t) => {
  const o = object({ initialSavepointSpec: { savepointLocation: 's3://state/savepoints/team-a/../team-b/sp' } });
  t.match(await statusOf(authorizePlacement(rbac().access, o, undefined, { stateDirectories }, new AbortController().signal)),
    { code: 422, details: { causes: [{ field: 'spec.initialSavepointSpec.savepointLocation' }] } });
});

t.test('state directories: read from the deployment defaults of each served namespace, then kept', async (t) => {
  let reads = 0;
  const dirs = new StateDirectories(['a', 'b'], async (pns) => {
    reads++;
    const flinkConfiguration: Record<string, string> = pns === 'a' ? { 'state.savepoints.dir': 's3://x/a', 'state.checkpoints.dir': 's3://y/a' } : {};
    return { spec: { template: { spec: { flinkConfiguration } } } };
  });
  t.same([...(await dirs.get(new AbortController().signal))], [['a', ['s3://x/a', 's3://y/a']], ['b', []]]);
  await dirs.get(new AbortController().signal);
  t.equal(reads, 2, 'one read per namespace within the ttl');
});

t.test('apikeySecretName: the user\'s own get on the Secret, on create and when it changes only', async (t) => {
  const keyed = (secret: string) => ({ metadata: { name: 'speeds', namespace: 'team-a-k8s', annotations: { apikeySecretName: secret } } });
  const { access, reviews } = rbac('get secrets mine');
  t.equal(await statusOf(authorizeApikeySecret(access, keyed('mine'))), undefined);
  t.same(reviews[0]?.resourceAttributes, { verb: 'get', group: '', version: '', resource: 'secrets', namespace: 'team-a-k8s', subresource: '', name: 'mine' });
  const denied = await statusOf(authorizeApikeySecret(access, keyed('sa-token'), keyed('mine')));
  t.equal(denied?.message, 'secrets "sa-token" is forbidden: User "dev" cannot get resource "secrets" in API group "" in the namespace "team-a-k8s": annotation apikeySecretName may name only a Secret the user may read');
  const before = reviews.length;
  t.equal(await statusOf(authorizeApikeySecret(rbac().access, keyed('sa-token'), keyed('sa-token'))), undefined, 'unchanged: not asked again');
  t.equal(reviews.length, before);
});

t.test('one answer for a missing Secret, a Secret without key token and a token the platform rejects', async (t) => {
  const resolve = apikeyTokenResolver(async (_ns, name): Promise<{ data?: Record<string, string> }> => {
    if (name === 'gone') throw Object.assign(new Error('not found'), { code: 404 });
    return name === 'no-key' ? { data: { apikey: Buffer.from('x').toString('base64') } } : { data: { [APIKEY_SECRET_KEY]: Buffer.from(' tok \n').toString('base64') } };
  });
  t.equal(await resolve('ns', 'good'), 'tok');
  for (const name of ['gone', 'no-key']) {
    const err = await resolve('ns', name).catch((e: unknown) => e);
    t.ok(err instanceof UnusableSecretError, name);
  }
  const answer = (secret: string) => unusableApikeySecret('ns', 'speeds', secret).status;
  t.match(answer('gone'), { code: 422, details: { causes: [{ field: 'metadata.annotations[apikeySecretName]', message: /Secret ns\/gone must exist and hold under key "token"/ }] } });
  const rejected = perObjectTokenRejected(new VvpError({ kind: 'http', status: 401, method: 'POST', route: '/x', message: 'bad token' }), { metadata: { name: 'speeds', namespace: 'ns', annotations: { apikeySecretName: 'gone' } } });
  t.same(rejected?.status, answer('gone'), 'the platform\'s rejection reads exactly like a missing Secret');
  t.equal(perObjectTokenRejected(new VvpError({ kind: 'http', status: 401, method: 'POST', route: '/x', message: 'bad' }), { metadata: {} }), undefined, 'the server\'s own token: not the Secret\'s fault');
});

t.test('with several platform instances, grant names start with the instance; the first keeps its short names', async (t) => {
  const grant = { resource: 'deploymenttargets', names: ['analytics/jobs', 'analytics/*'], why: 'running on deployment target jobs of platform namespace analytics' };
  t.same(namingInstance(grant, undefined), grant, 'one instance: the names as they are');
  t.same(namingInstance(grant, { instanceId: 'staging', shortFormsToo: false }).names, ['staging/analytics/jobs', 'staging/analytics/*']);
  const first = namingInstance(grant, { instanceId: 'prod', shortFormsToo: true });
  t.same(first.names, ['analytics/jobs', 'prod/analytics/jobs', 'analytics/*', 'prod/analytics/*'], 'exact names first, the wildcard last');
  t.match(first.why, /of platform instance prod$/);
});
