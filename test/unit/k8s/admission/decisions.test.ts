// The admission decisions the server makes itself: NamespaceLifecycle (kube-apiserver's words for a missing or a
// terminating namespace), and the chain's handling of warnings gathered before a refusal. The policy and webhook
// decisions are kube-apiserver's own code in the kube-admission helper (test/conformance/admission-parity.test.ts).
import t from 'tap';
import { type AdmissionAttributes, admissionAttributes, operationOptions } from '../../../../apiserver/k8s/admission/attributes.js';
import { AdmissionChain, type AdmissionPlugin } from '../../../../apiserver/k8s/admission/chain.js';
import { StaticSource } from '../../../../apiserver/k8s/admission/cluster-cache.js';
import { type Namespace, NamespaceLifecycle } from '../../../../apiserver/k8s/admission/namespace-lifecycle.js';
import { StatusError, isStatusError } from '../../../../apiserver/k8s/status.js';
import type { KubeObject } from '../../../../apiserver/k8s/types.js';
import { statusOf } from '../../../support/rejection.js';

const GROUP = 'example.com';

function widget(name: string, labels: Record<string, string> = {}, spec: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: `${GROUP}/v1`, kind: 'Widget', metadata: { name, namespace: 'team', labels }, spec };
}

function attrs(operation: AdmissionAttributes['operation'], object?: KubeObject, oldObject?: KubeObject, extra: Partial<AdmissionAttributes> = {}): AdmissionAttributes {
  return admissionAttributes({
    operation, kind: { group: GROUP, version: 'v1', kind: 'Widget' }, resource: { group: GROUP, version: 'v1', resource: 'widgets' },
    name: (object ?? oldObject)?.metadata.name ?? '', namespace: 'team', object, oldObject,
    userInfo: { username: 'alice', groups: ['dev'], extra: {} }, dryRun: false, options: operationOptions(operation, {}), ...extra,
  });
}

t.test('NamespaceLifecycle: missing → 404 namespaces "x" not found; terminating → 403 with a NamespaceTerminating cause', async (t) => {
  const cache = new StaticSource<Namespace>([{ metadata: { name: 'team' }, status: { phase: 'Terminating' } }]);
  const plugin = new NamespaceLifecycle({ cache, live: async () => undefined });
  const missing = await statusOf(plugin.admit({ ...attrs('CREATE', widget('w')), namespace: 'gone' }));
  t.match(missing, { code: 404, reason: 'NotFound', message: 'namespaces "gone" not found' });
  const terminating = await statusOf(plugin.admit(attrs('CREATE', widget('w'))));
  t.match(terminating, {
    code: 403, reason: 'Forbidden',
    message: `widgets.${GROUP} "w" is forbidden: unable to create new content in namespace team because it is being terminated`,
    details: { causes: [{ type: 'NamespaceTerminating', field: 'metadata.namespace' }] },
  });
  t.equal(await statusOf(plugin.admit(attrs('UPDATE', widget('w'), widget('w')))), undefined, 'updates in a terminating namespace pass');
});

t.test('a refusal carries the warnings gathered before it (sent as Warning headers with the Status)', async (t) => {
  const warn: AdmissionPlugin = { name: 'warn', handles: () => true, validate: async (_a, warnings) => { warnings.push('first plugin warns'); } };
  const deny: AdmissionPlugin = {
    name: 'deny', handles: () => true,
    validate: async () => { throw new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 403, reason: 'Forbidden', message: 'denied' }); },
  };
  const err = await new AdmissionChain([warn, deny]).admit(attrs('CREATE', widget('w')), () => ['server warning']).then(() => undefined, (e: unknown) => e);
  t.ok(isStatusError(err));
  t.same(isStatusError(err) ? err.warnings : [], ['server warning', 'first plugin warns']);
});
