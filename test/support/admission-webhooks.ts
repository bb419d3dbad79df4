// The webhook half of the differential admission suite: one HTTPS webhook server run by the test (tools/webhook-server,
// reached through an ExternalName Service by kube-apiserver for the CRD and by the kube-admission helper for the
// product), the configurations of the webhook table (test/conformance/cases/webhooks.ts), and each case's run on a
// side: the write, what the client reads, and the AdmissionReviews its webhooks received for that side (told apart by
// the request's group), in the order received.
import { externalNameService, startWebhookServer, type AdmissionRequestSeen, type WebhookHandler, type WebhookServer } from '../../tools/webhook-server.js';
import type { WebhookCase } from '../conformance/cases/webhooks.js';
import { JSON_CT, MERGE, manifest, type Json } from '../conformance/cases/fixtures.js';
import type { Case, SideApi } from './differential.js';
import type { RawAnswer } from './hostile.js';

const REG = '/apis/admissionregistration.k8s.io/v1';

export interface WebhookSuiteOptions {
  /** The namespace of the cases' objects. */
  ns: string;
  /** The namespace of the webhook server's Service. */
  hooksNs: string;
  /** Both sides' groups: every webhook's rule names them. */
  groups: string[];
  /** Labels of every configuration (for the teardown's delete by selector). */
  mark: Record<string, string>;
  post: (path: string, body: unknown) => Promise<void>;
  /** Binds a MutatingAdmissionPolicy spec to the case (its objects only). */
  installMap: (spec: Record<string, Json>, id: string) => Promise<void>;
  /** What a client reads of an answer. */
  observed: (res: RawAnswer) => Record<string, unknown>;
}

const operationOf = (action: string) => action.split('-')[0]!.toUpperCase();

function withoutCreatedUid(request: AdmissionRequestSeen): AdmissionRequestSeen {
  if (request.operation !== 'CREATE' || !request.object) return request;
  const { uid: _uid, ...metadata } = request.object.metadata as Record<string, unknown>;
  return { ...request, object: { ...request.object, metadata: metadata as typeof request.object.metadata } };
}

export async function webhookSuite(opts: WebhookSuiteOptions) {
  const handlers: Record<string, WebhookHandler> = {};
  const server: WebhookServer = await startWebhookServer({ namespace: opts.hooksNs, name: 'adm-hooks' }, handlers);

  async function setup(): Promise<void> {
    await opts.post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: opts.hooksNs } });
    await opts.post(`/api/v1/namespaces/${opts.hooksNs}/services`, externalNameService(opts.hooksNs, 'adm-hooks', server.port));
  }

  async function install(c: WebhookCase, id: string): Promise<void> {
    if (c.map) await opts.installMap(c.map, id);
    const hooks = c.hooks.map((h, j) => {
      const path = `/${id}/h${j}`;
      if (h.answer) handlers[path] = h.answer;
      const { objectSelector, ruleVersions, ...config } = (h.config ?? {}) as Record<string, Json> & { objectSelector?: Record<string, string | null>; ruleVersions?: string[] };
      const extra = Object.entries(objectSelector ?? {});
      return {
        type: h.type,
        webhook: {
          name: `h${j}.${id}.adm.example.com`, clientConfig: server.clientConfig(path), admissionReviewVersions: ['v1'], sideEffects: 'None',
          failurePolicy: 'Fail', timeoutSeconds: 30, ...(h.type === 'mutating' ? { reinvocationPolicy: 'Never' } : {}),
          rules: [{ apiGroups: opts.groups, apiVersions: ruleVersions ?? ['v1'], resources: ['vvpdeployments'], operations: h.operations ?? [operationOf(c.action)], scope: 'Namespaced' }],
          objectSelector: {
            matchLabels: { 'adm-case': id, ...Object.fromEntries(extra.filter(([, v]) => v !== null)) },
            ...(extra.some(([, v]) => v === null) ? { matchExpressions: extra.filter(([, v]) => v === null).map(([key]) => ({ key, operator: 'DoesNotExist' })) } : {}),
          },
          ...config,
        },
      };
    });
    for (const type of ['mutating', 'validating'] as const) {
      const webhooks = hooks.filter((h) => h.type === type).map((h) => h.webhook);
      if (webhooks.length === 0) continue;
      const kind = type === 'mutating' ? 'MutatingWebhookConfiguration' : 'ValidatingWebhookConfiguration';
      await opts.post(`${REG}/${kind.toLowerCase()}s`, { apiVersion: 'admissionregistration.k8s.io/v1', kind, metadata: { name: `adm-wh-${id}`, labels: opts.mark }, webhooks });
    }
  }

  /**
   * The reviews the case's webhooks received for one side, by webhook (kube calls validating webhooks in parallel, so
   * only each webhook's own reviews have an order), oldest first. A created object's uid is set aside: the product's
   * uid is the platform deployment's id, which exists only once the platform has the deployment (after admission;
   * docs/crd-differences.md).
   */
  function reviewsOf(id: string, s: SideApi) {
    return server.received
      .filter((r) => r.path.startsWith(`/${id}/`) && r.request.resource.group === s.group)
      .map((r) => ({ hook: r.path.split('/')[2]!, apiVersion: r.apiVersion, request: withoutCreatedUid(r.request) }))
      .sort((a, b) => a.hook.localeCompare(b.hook));
  }

  function caseOf(c: WebhookCase, id: string): Case {
    return {
      name: `admission/${c.name}`,
      run: async (s: SideApi) => {
        const name = `adm-${id}`;
        const m = manifest(s, opts.ns, name, { ...c.object, labels: { ...c.object?.labels, 'adm-case': id } });
        const dry = c.action.endsWith('-dry') ? '?dryRun=All' : '';
        let res: RawAnswer;
        if (c.action.startsWith('create')) {
          res = await s.send({ method: 'POST', path: `${s.collection(opts.ns)}${dry}`, headers: JSON_CT, body: JSON.stringify(m) });
        } else {
          const made = await s.send({ method: 'POST', path: s.collection(opts.ns), headers: JSON_CT, body: JSON.stringify(m) });
          if (made.status !== 201) return { create: opts.observed(made) };
          res = c.action.startsWith('update')
            ? await s.send({ method: 'PATCH', path: `${s.item(opts.ns, name)}${dry}`, headers: MERGE, body: JSON.stringify(c.update ?? { metadata: { labels: { updated: 'yes' } } }) })
            : await s.send({ method: 'DELETE', path: `${s.item(opts.ns, name)}${dry}`, headers: { accept: 'application/json' } });
        }
        const answer = opts.observed(res);
        // Parallel validating webhooks: kube's order of their warnings is the order they answered in.
        if (typeof answer.warnings === 'string') answer.warnings = answer.warnings.split(/,\s*(?=\d{3} )/).sort();
        return { answer, reviews: reviewsOf(id, s) };
      },
    };
  }

  return { server, setup, install, caseOf, close: () => server.close() };
}
