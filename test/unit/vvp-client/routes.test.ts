import t from 'tap';
import { VVP_ROUTES, formatLabelSelector, queryString, segment } from '../../../apiserver/vvp/routes.js';

t.test('route templates name their parameters, never concrete values', async (t) => {
  t.equal(VVP_ROUTES.deployment, '/api/v1/namespaces/{ns}/deployments/{name}');
  t.equal(VVP_ROUTES.autopilotPolicy, '/autopilot/v1alpha1/namespaces/{ns}/deployments/{deploymentId}/autopilotpolicy');
  for (const route of Object.values(VVP_ROUTES)) {
    t.match(route, /^\/[a-z0-9/{}:.-]+$/i, route);
  }
});

t.test('a path segment cannot change the path', async (t) => {
  t.equal(segment('top-speed'), 'top-speed');
  t.equal(segment('a/b'), 'a%2Fb');
  t.equal(segment('x?y#z'), 'x%3Fy%23z');
  t.equal(segment('100%'), '100%25');
  t.throws(() => segment(''), TypeError);
  t.throws(() => segment('..'), TypeError);
});

t.test('a label map becomes k=v,k2=v2 and a string passes through', async (t) => {
  t.equal(formatLabelSelector({ app: 'top-speed', 'ververica.platform/owner': 'op-1' }), 'app=top-speed,ververica.platform/owner=op-1');
  t.equal(formatLabelSelector({}), '');
  t.equal(formatLabelSelector('a=b,c=d'), 'a=b,c=d');
  t.throws(() => formatLabelSelector({ a: 'x,y' }), TypeError);
  t.throws(() => formatLabelSelector({ 'a=b': 'c' }), TypeError);
});

t.test('query strings skip undefined values and encode the rest', async (t) => {
  t.equal(queryString({}), '');
  t.equal(queryString({ deploymentId: undefined }), '');
  t.equal(queryString({ deploymentId: 'd1', jobId: undefined }), '?deploymentId=d1');
  t.equal(queryString({ labelSelector: 'a=b,c=d/e', jobId: 'j' }), '?labelSelector=a%3Db%2Cc%3Dd%2Fe&jobId=j');
});
