// MutatingAdmissionWebhook and ValidatingAdmissionWebhook (k8s.io/apiserver pkg/admission/plugin/webhook): the
// cluster's Mutating/ValidatingWebhookConfigurations, in name order, each webhook matched by rules, namespace and
// object selectors and matchConditions, then called with an AdmissionReview v1. Mutating webhooks run one after
// the other, their JSONPatches applied, and those with reinvocationPolicy IfNeeded once more if a later one changed
// the object; validating webhooks run in parallel. failurePolicy decides what an unreachable webhook or a failed
// match condition means; a dry run reaches only webhooks declaring sideEffects None or NoneOnDryRun.

import { applyJsonPatch, deepEqual, isPlainObject } from '../fields/patch.js';
import { isStatusError, statusErrors } from '../status.js';
import type { KubeObject, Status } from '../types.js';
import { type AdmissionAttributes, type GroupVersionResource, type Operation, admissionRequest } from './attributes.js';
import { CelCompileError, celValue, compile, firstLine } from './cel.js';
import type { AdmissionPlugin, Warnings } from './chain.js';
import type { ObjectSource } from './cluster-cache.js';
import { admissionForbidden, callingWebhookMessage, webhookDenied } from './errors.js';
import { type LabelSelector, type RuleWithOperations, anyRuleMayMatch, namespaceSelectorMatches, objectSelectorMatches, ruleMatches } from './matching.js';
import type { AdmissionMetrics } from './metrics.js';
import { type ServiceResolver, type WebhookClientConfig, WebhookCallError, postAdmissionReview } from './webhook-client.js';

export interface MatchCondition { name: string; expression: string }

export interface Webhook {
  name: string;
  clientConfig: WebhookClientConfig;
  rules?: RuleWithOperations[];
  failurePolicy?: 'Fail' | 'Ignore';
  matchPolicy?: 'Exact' | 'Equivalent';
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
  sideEffects?: string;
  timeoutSeconds?: number;
  admissionReviewVersions?: string[];
  matchConditions?: MatchCondition[];
  reinvocationPolicy?: 'Never' | 'IfNeeded';
}

export interface WebhookConfiguration {
  metadata?: { name?: string };
  webhooks?: Webhook[];
}

export interface WebhookDeps {
  configurations: ObjectSource<WebhookConfiguration>;
  namespaceLabels(name: string): Promise<Record<string, string> | undefined>;
  resolver: ServiceResolver;
  metrics?: AdmissionMetrics;
  log?: (message: string, fields: Record<string, unknown>) => void;
}

const READY_TIMEOUT_MS = 10_000;

function hooksInOrder(source: WebhookDeps['configurations']): Webhook[] {
  const configs = [...source.list()].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  return configs.flatMap((c) => c.webhooks ?? []);
}

/** What a webhook's match conditions decide: call it, skip it, or an error for failurePolicy to weigh. */
function evaluateMatchConditions(hook: Webhook, a: AdmissionAttributes): boolean | WebhookCallError {
  if (!hook.matchConditions?.length) return true;
  const context = {
    object: celValue(a.object ?? null), oldObject: celValue(a.oldObject ?? null), request: celValue(admissionRequest({ ...a, object: undefined, oldObject: undefined })),
    params: null, namespaceObject: null, variables: {},
  };
  const errors: string[] = [];
  for (const condition of hook.matchConditions) {
    try {
      const result = compile(condition.expression).evaluate(context);
      if (result === false) return false;
      if (result !== true) errors.push(`matchCondition '${condition.name}': expression must evaluate to bool`);
    } catch (err) {
      errors.push(`matchCondition '${condition.name}': ${err instanceof CelCompileError ? err.message : firstLine((err as Error).message)}`);
    }
  }
  return errors.length ? new WebhookCallError(`failed to evaluate match conditions: ${errors.join(', ')}`) : true;
}

async function shouldCall(hook: Webhook, a: AdmissionAttributes, deps: WebhookDeps): Promise<boolean | WebhookCallError> {
  if (!(hook.rules ?? []).some((r) => ruleMatches(r, a))) return false;
  if (!objectSelectorMatches(hook.objectSelector, a)) return false;
  if (!(await namespaceSelectorMatches(hook.namespaceSelector, a, deps.namespaceLabels))) return false;
  return evaluateMatchConditions(hook, a);
}

interface WebhookAnswer { allowed: boolean; status?: Partial<Status>; patch?: string; patchType?: string; warnings: string[] }

async function call(hook: Webhook, a: AdmissionAttributes, deps: WebhookDeps): Promise<WebhookAnswer> {
  if (!(hook.admissionReviewVersions ?? ['v1']).includes('v1')) {
    throw new WebhookCallError('webhook does not accept known AdmissionReview versions');
  }
  const timeout = Math.min(Math.max(hook.timeoutSeconds ?? 10, 1), 30);
  const review = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: admissionRequest(a) };
  const answer = await postAdmissionReview(hook.clientConfig, review, timeout, deps.resolver, a.signal);
  if (!isPlainObject(answer) || answer.kind !== 'AdmissionReview' || answer.apiVersion !== 'admission.k8s.io/v1') {
    throw new WebhookCallError('received invalid webhook response: expected an admission.k8s.io/v1 AdmissionReview');
  }
  const response = answer.response;
  if (!isPlainObject(response)) throw new WebhookCallError('webhook response was absent');
  if (response.uid !== a.uid) throw new WebhookCallError(`expected response.uid="${a.uid}", got "${String(response.uid ?? '')}"`);
  const result: WebhookAnswer = {
    allowed: response.allowed === true,
    warnings: Array.isArray(response.warnings) ? response.warnings.filter((w): w is string => typeof w === 'string').slice(0, 64).map((w) => w.slice(0, 2048)) : [],
  };
  if (isPlainObject(response.status)) result.status = response.status as Partial<Status>;
  if (typeof response.patch === 'string') result.patch = response.patch;
  if (typeof response.patchType === 'string') result.patchType = response.patchType;
  return result;
}

/** The failure of one webhook as the request's answer, or undefined when failurePolicy Ignore lets it pass. */
function failureOf(hook: Webhook, err: unknown, deps: WebhookDeps): Error | undefined {
  if (err instanceof WebhookCallError) {
    if (hook.failurePolicy === 'Ignore') {
      deps.log?.('failed calling webhook, failing open', { webhook: hook.name, err: err.message });
      return undefined;
    }
    return statusErrors.internalError(callingWebhookMessage(hook.name, err.message));
  }
  return err as Error;
}

abstract class WebhookPlugin implements AdmissionPlugin {
  abstract readonly name: string;
  protected abstract readonly type: 'admit' | 'validating';
  constructor(protected readonly deps: WebhookDeps) {}

  handles(): boolean {
    return true;
  }

  mayMatch(resource: GroupVersionResource, operation: Operation): boolean {
    return hooksInOrder(this.deps.configurations).some((h) => anyRuleMayMatch(h.rules, resource, operation));
  }

  protected async hooksFor(a: AdmissionAttributes): Promise<Array<{ hook: Webhook; match: true | WebhookCallError }>> {
    // As the upstream plugins: no decision without the configurations (fail closed while they cannot be read).
    if (!(await this.deps.configurations.ready(READY_TIMEOUT_MS))) throw admissionForbidden(a, 'not yet ready to handle request');
    const matched: Array<{ hook: Webhook; match: true | WebhookCallError }> = [];
    for (const hook of hooksInOrder(this.deps.configurations)) {
      const match = await shouldCall(hook, a, this.deps);
      if (match === false) continue;
      if (a.dryRun && match === true && hook.sideEffects !== 'None' && hook.sideEffects !== 'NoneOnDryRun') {
        throw statusErrors.badRequest(`admission webhook "${hook.name}" does not support dry run`);
      }
      matched.push({ hook, match });
    }
    return matched;
  }

  /** One call with its metrics; a denial throws the webhook's Status. */
  protected async invoke(hook: Webhook, match: true | WebhookCallError, a: AdmissionAttributes): Promise<WebhookAnswer | undefined> {
    const started = process.hrtime.bigint();
    let rejected = false;
    try {
      if (match !== true) throw match;
      const answer = await call(hook, a, this.deps);
      if (!answer.allowed) {
        rejected = true;
        const denial = webhookDenied(hook.name, answer.status);
        this.deps.metrics?.webhookRejection(hook.name, a.operation, this.type, 'no_error', denial.code);
        throw denial;
      }
      return answer;
    } catch (err) {
      if (isStatusError(err)) throw err;
      const failure = failureOf(hook, err, this.deps);
      if (failure) {
        rejected = true;
        this.deps.metrics?.webhookRejection(hook.name, a.operation, this.type, 'calling_webhook_error', 500);
        throw failure;
      }
      return undefined;
    } finally {
      this.deps.metrics?.webhookDuration(hook.name, a.operation, this.type, rejected, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }
}

export class MutatingWebhooks extends WebhookPlugin {
  readonly name = 'MutatingAdmissionWebhook';
  protected readonly type = 'admit';

  async admit(a: AdmissionAttributes, warnings: Warnings): Promise<void> {
    const hooks = await this.hooksFor(a);
    if (hooks.length === 0) return;
    const calledBeforeChange: Array<{ hook: Webhook; match: true | WebhookCallError }> = [];
    let sinceLastChange: typeof calledBeforeChange = [];
    for (const entry of hooks) {
      if (await this.mutateOnce(entry.hook, entry.match, a, warnings)) {
        calledBeforeChange.push(...sinceLastChange);
        sinceLastChange = [];
      }
      sinceLastChange.push(entry);
    }
    // Reinvocation: at most once, of IfNeeded webhooks that saw the object before a later change.
    for (const entry of calledBeforeChange.filter((e) => e.hook.reinvocationPolicy === 'IfNeeded')) {
      await this.mutateOnce(entry.hook, entry.match, a, warnings);
    }
  }

  /** Calls one webhook and applies its patch; true when the object changed. */
  private async mutateOnce(hook: Webhook, match: true | WebhookCallError, a: AdmissionAttributes, warnings: Warnings): Promise<boolean> {
    const answer = await this.invoke(hook, match, a);
    if (!answer) return false;
    warnings.push(...answer.warnings);
    if (!answer.patch || !a.object) return false;
    if (answer.patchType !== 'JSONPatch') {
      throw statusErrors.internalError(callingWebhookMessage(hook.name, `unsupported patch type "${answer.patchType ?? ''}"`));
    }
    let patched: unknown;
    try {
      patched = applyJsonPatch(a.object, Buffer.from(answer.patch, 'base64').toString('utf8'));
    } catch (err) {
      throw statusErrors.internalError(`admission webhook "${hook.name}" returned a patch that cannot be applied: ${isStatusError(err) ? err.message : (err as Error).message}`);
    }
    checkIdentityKept(hook.name, a.object, patched);
    if (deepEqual(patched, a.object)) return false;
    a.object = patched as KubeObject;
    return true;
  }
}

/** A webhook may change the object, not what it is: apiVersion, kind, name and namespace stay. */
function checkIdentityKept(webhook: string, before: KubeObject, after: unknown): void {
  const a = after as Partial<KubeObject>;
  const same = isPlainObject(after) && a.apiVersion === before.apiVersion && a.kind === before.kind && isPlainObject(a.metadata)
    && a.metadata.name === before.metadata.name && a.metadata.namespace === before.metadata.namespace;
  if (!same) throw statusErrors.internalError(`admission webhook "${webhook}" changed the object's apiVersion, kind, name or namespace`);
}

export class ValidatingWebhooks extends WebhookPlugin {
  readonly name = 'ValidatingAdmissionWebhook';
  protected readonly type = 'validating';

  async validate(a: AdmissionAttributes, warnings: Warnings): Promise<void> {
    const hooks = await this.hooksFor(a);
    const outcomes = await Promise.allSettled(hooks.map(({ hook, match }) => this.invoke(hook, match, a)));
    for (const o of outcomes) if (o.status === 'fulfilled' && o.value) warnings.push(...o.value.warnings);
    // The webhooks run in parallel; the first in configuration order that refused answers.
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
