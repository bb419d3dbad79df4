// The admission chain wired to a cluster. With the helper (kube-helper.ts; the image and the tests give its binary):
// NamespaceLifecycle here, then kube's own policy and webhook plugins in the helper. Without it, the TypeScript
// fallback, with @kubernetes/client-node: informers (list+watch) for namespaces,
// Mutating/ValidatingWebhookConfigurations and ValidatingAdmissionPolicies with their bindings; live reads only for
// what an informer cannot know yet (a namespace created a moment ago), Services a webhook names (cached 10 s) and a
// policy's parameter objects (cached 10 s). The server's ServiceAccount needs list/watch on the first four and get
// on services and on the parameter kinds (apiservice/chart grants ConfigMaps).

import {
  AdmissionregistrationV1Api, CoreV1Api, type KubeConfig, type KubernetesObject, KubernetesObjectApi,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { KubeObject } from '../types.js';
import { AdmissionChain } from './chain.js';
import { ClusterCache, type RawList, wireForm } from './cluster-cache.js';
import { statusErrors } from '../status.js';
import type { LabelSelector } from './matching.js';
import { AdmissionMetrics } from './metrics.js';
import { type Namespace, NamespaceLifecycle, type NamespaceLookup, namespaceOf } from './namespace-lifecycle.js';
import { type ParamSource, ValidatingAdmissionPolicies, type ValidatingAdmissionPolicy, type ValidatingAdmissionPolicyBinding } from './policy.js';
import { KubeAdmissionHelper } from './kube-helper.js';
import type { ServiceEndpoint, ServiceResolver } from './webhook-client.js';
import { MutatingWebhooks, ValidatingWebhooks, type WebhookConfiguration } from './webhooks.js';

const ADMISSION_API = '/apis/admissionregistration.k8s.io/v1';
const LIVE_CACHE_MS = 10_000;
const LIVE_CACHE_ENTRIES = 512;

function statusCode(err: unknown): number | undefined {
  return (err as { code?: number }).code ?? (err as { statusCode?: number }).statusCode;
}

/** A tiny time-bounded cache for live reads; bounded in entries too. */
class Recent<T> {
  private readonly entries = new Map<string, { at: number; value: Promise<T> }>();
  async get(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit && Date.now() - hit.at < LIVE_CACHE_MS) return hit.value;
    if (this.entries.size >= LIVE_CACHE_ENTRIES) this.entries.clear();
    const value = load();
    this.entries.set(key, { at: Date.now(), value });
    value.catch(() => this.entries.delete(key));
    return value;
  }
}

export class KubeServiceResolver implements ServiceResolver {
  private readonly recent = new Recent<ServiceEndpoint>();
  constructor(private readonly core: CoreV1Api) {}

  resolve(namespace: string, name: string, port: number): Promise<ServiceEndpoint> {
    return this.recent.get(`${namespace}/${name}/${port}`, async () => {
      const svc = await this.core.readNamespacedService({ namespace, name }).catch((err: unknown) => {
        throw new Error(statusCode(err) === 404 ? `service "${name}" not found` : (err as Error).message);
      });
      if (svc.spec?.type === 'ExternalName' && svc.spec.externalName) return { host: svc.spec.externalName, port };
      const clusterIP = svc.spec?.clusterIP;
      if (!clusterIP || clusterIP === 'None') throw new Error(`service ${namespace}/${name} has no ClusterIP`);
      if (!(svc.spec?.ports ?? []).some((p) => p.port === port)) throw new Error(`service ${namespace}/${name}:${port} is not listening`);
      return { host: clusterIP, port };
    });
  }
}

export function labelSelectorString(selector: LabelSelector | undefined): string | undefined {
  if (!selector) return undefined;
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) {
    if (e.operator === 'In') parts.push(`${e.key} in (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',') || undefined;
}

class KubeParamSource implements ParamSource {
  private readonly recent = new Recent<unknown>();
  constructor(private readonly objects: KubernetesObjectApi) {}

  async get(apiVersion: string, kind: string, namespace: string, name: string): Promise<KubeObject | undefined> {
    return this.recent.get(`get ${apiVersion} ${kind} ${namespace}/${name}`, async () => {
      try {
        return wireForm(await this.objects.read({ apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) } }));
      } catch (err) {
        if (statusCode(err) === 404) return undefined;
        throw new Error(`failed to read params ${kind} ${namespace}/${name}: ${(err as Error).message}`, { cause: err });
      }
    }) as Promise<KubeObject | undefined>;
  }

  async list(apiVersion: string, kind: string, namespace: string, selector: LabelSelector | undefined): Promise<KubeObject[]> {
    const labels = labelSelectorString(selector);
    return this.recent.get(`list ${apiVersion} ${kind} ${namespace} ${labels ?? ''}`, async () => {
      const list = await this.objects.list(apiVersion, kind, namespace || undefined, undefined, undefined, undefined, undefined, labels);
      return wireForm(list.items) as KubeObject[];
    }) as Promise<KubeObject[]>;
  }
}

export interface ClusterAdmission {
  admission: AdmissionChain;
  /** Whether admission can decide (the helper is up and synced); true without a helper. */
  ready(): Promise<boolean>;
  /** Starts the informers; admission waits (up to 10 s) for their first list. */
  start(): void;
  stop(): void;
}

/** kube's own admission plugins in the helper process (kube-helper.ts); without it, the TypeScript ones. */
export interface HelperSettings { binary: string; kubeconfig?: string }

export function clusterAdmission(kubeConfig: KubeConfig, log: Logger, registry: Registry, helper?: HelperSettings): ClusterAdmission {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const admissionApi = kubeConfig.makeApiClient(AdmissionregistrationV1Api);
  const cache = <T extends KubernetesObject>(path: string, list: () => Promise<unknown>) =>
    new ClusterCache<T>(kubeConfig, path, list as RawList, log.child({ informer: path }));

  const namespaces = cache<Namespace & KubernetesObject>('/api/v1/namespaces', () => core.listNamespace());
  const mutating = cache<WebhookConfiguration & KubernetesObject>(`${ADMISSION_API}/mutatingwebhookconfigurations`, () => admissionApi.listMutatingWebhookConfiguration());
  const validating = cache<WebhookConfiguration & KubernetesObject>(`${ADMISSION_API}/validatingwebhookconfigurations`, () => admissionApi.listValidatingWebhookConfiguration());
  const policies = cache<ValidatingAdmissionPolicy & KubernetesObject>(`${ADMISSION_API}/validatingadmissionpolicies`, () => admissionApi.listValidatingAdmissionPolicy());
  const bindings = cache<ValidatingAdmissionPolicyBinding & KubernetesObject>(`${ADMISSION_API}/validatingadmissionpolicybindings`, () => admissionApi.listValidatingAdmissionPolicyBinding());

  const lookup: NamespaceLookup = {
    cache: namespaces as NamespaceLookup['cache'],
    live: async (name) => {
      try {
        return wireForm(await core.readNamespace({ name })) as Namespace;
      } catch (err) {
        if (statusCode(err) === 404) return undefined;
        throw statusErrors.internalError((err as Error).message);
      }
    },
  };
  const namespace = (name: string) => namespaceOf(lookup, name);
  const namespaceLabels = async (name: string) => (await namespace(name))?.metadata?.labels;
  const metrics = new AdmissionMetrics(registry);
  const warn = (message: string, fields: Record<string, unknown>) => log.warn(fields, message);
  const resolver = new KubeServiceResolver(core);

  if (helper) {
    const kube = new KubeAdmissionHelper({
      ...helper,
      log: (level, message, fields) => log[level](fields ?? {}, message),
      onAuditAnnotations: (a, annotations) => log.info({ uid: a.uid, name: a.name, namespace: a.namespace, auditAnnotations: annotations }, 'admission audit annotations'),
    });
    const admission = new AdmissionChain([new NamespaceLifecycle(lookup), kube], metrics);
    return {
      admission,
      ready: () => kube.ready(),
      start: () => { namespaces.start(); kube.start(); },
      stop: () => { namespaces.stop(); kube.stop(); },
    };
  }

  const admission = new AdmissionChain([
    new NamespaceLifecycle(lookup),
    new MutatingWebhooks({ configurations: mutating, namespaceLabels, resolver, metrics, log: warn }),
    new ValidatingAdmissionPolicies({
      policies, bindings, namespace: async (name) => (await namespace(name)) as Record<string, unknown> | undefined,
      params: new KubeParamSource(KubernetesObjectApi.makeApiClient(kubeConfig)), metrics, log: warn,
    }),
    new ValidatingWebhooks({ configurations: validating, namespaceLabels, resolver, metrics, log: warn }),
  ], metrics);
  const informers = [namespaces, mutating, validating, policies, bindings];
  return {
    admission,
    ready: () => Promise.resolve(true),
    start: () => { for (const i of informers) i.start(); },
    stop: () => { for (const i of informers) i.stop(); },
  };
}

