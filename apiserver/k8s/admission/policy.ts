// ValidatingAdmissionPolicy with ValidatingAdmissionPolicyBinding (k8s.io/apiserver pkg/admission/plugin/policy/
// validating): for every binding whose policy's matchConstraints and own matchResources take the request, and whose
// matchConditions hold, each validation's CEL expression is evaluated against object, oldObject, request, params,
// namespaceObject and variables. A false one is a violation, acted on by the binding's validationActions (Deny: the
// request is refused with the first denial, in kube-apiserver's words; Warn: a Warning header; Audit: a log line). An
// expression that does not compile or fails to evaluate is decided by the policy's failurePolicy (Fail unless said).

import type { KubeObject } from '../types.js';
import { type AdmissionAttributes, type GroupVersionResource, type Operation, admissionRequest } from './attributes.js';
import { CelCompileError, celValue, compile, firstLine } from './cel.js';
import type { AdmissionPlugin, Warnings } from './chain.js';
import type { ObjectSource } from './cluster-cache.js';
import { admissionForbidden } from './errors.js';
import { type LabelSelector, type MatchResources, anyRuleMayMatch, matchResourcesMatch } from './matching.js';
import type { AdmissionMetrics } from './metrics.js';
import type { MatchCondition } from './webhooks.js';

export interface Validation { expression: string; message?: string; messageExpression?: string; reason?: string }
export interface Variable { name: string; expression: string }

export interface ValidatingAdmissionPolicy {
  metadata?: { name?: string; generation?: number };
  spec?: {
    paramKind?: { apiVersion?: string; kind?: string };
    matchConstraints?: MatchResources;
    validations?: Validation[];
    failurePolicy?: 'Fail' | 'Ignore';
    matchConditions?: MatchCondition[];
    variables?: Variable[];
  };
}

export interface ParamRef { name?: string; namespace?: string; selector?: LabelSelector; parameterNotFoundAction?: 'Allow' | 'Deny' }

export interface ValidatingAdmissionPolicyBinding {
  metadata?: { name?: string };
  spec?: { policyName?: string; paramRef?: ParamRef; matchResources?: MatchResources; validationActions?: Array<'Deny' | 'Warn' | 'Audit'> };
}

/** Reads the parameter objects a binding's paramRef names (any kind the server may read). */
export interface ParamSource {
  get(apiVersion: string, kind: string, namespace: string, name: string): Promise<KubeObject | undefined>;
  list(apiVersion: string, kind: string, namespace: string, selector: LabelSelector | undefined): Promise<KubeObject[]>;
}

export interface PolicyDeps {
  policies: ObjectSource<ValidatingAdmissionPolicy>;
  bindings: ObjectSource<ValidatingAdmissionPolicyBinding>;
  namespace(name: string): Promise<Record<string, unknown> | undefined>;
  params?: ParamSource;
  metrics?: AdmissionMetrics;
  log?: (message: string, fields: Record<string, unknown>) => void;
}

interface Decision { action: 'allow' | 'violation' | 'error'; message: string; reason?: string }

const READY_TIMEOUT_MS = 10_000;
const REASON_CODES: Record<string, number> = { Unauthorized: 401, Forbidden: 403, Invalid: 422, RequestEntityTooLarge: 413 };

export class ValidatingAdmissionPolicies implements AdmissionPlugin {
  readonly name = 'ValidatingAdmissionPolicy';
  /** Policies whose expressions failed to compile, logged once per policy generation. */
  private readonly reported = new Set<string>();

  constructor(private readonly deps: PolicyDeps) {}

  handles(): boolean {
    return true;
  }

  mayMatch(resource: GroupVersionResource, operation: Operation): boolean {
    return this.deps.policies.list().some((p) => anyRuleMayMatch(p.spec?.matchConstraints?.resourceRules, resource, operation));
  }

  async validate(a: AdmissionAttributes, warnings: Warnings): Promise<void> {
    const ready = await Promise.all([this.deps.policies.ready(READY_TIMEOUT_MS), this.deps.bindings.ready(READY_TIMEOUT_MS)]);
    if (!ready.every(Boolean)) throw admissionForbidden(a, 'not yet ready to handle request');
    const labels = async (name: string) => (await this.deps.namespace(name))?.metadata as { labels?: Record<string, string> } | undefined;
    const namespaceLabels = async (name: string) => (await labels(name))?.labels;
    const bindings = [...this.deps.bindings.list()].sort((x, y) => (x.metadata?.name ?? '').localeCompare(y.metadata?.name ?? ''));
    for (const binding of bindings) {
      const policy = binding.spec?.policyName ? this.deps.policies.get(binding.spec.policyName) : undefined;
      if (!policy?.spec) continue;
      if (!(await matchResourcesMatch(policy.spec.matchConstraints, a, namespaceLabels, true))) continue;
      if (binding.spec?.matchResources && !(await matchResourcesMatch(binding.spec.matchResources, a, namespaceLabels, false))) continue;
      const started = process.hrtime.bigint();
      const decisions = await this.evaluate(policy, binding, a);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.act(policy, binding, a, decisions, warnings, seconds);
    }
  }

  private async evaluate(policy: ValidatingAdmissionPolicy, binding: ValidatingAdmissionPolicyBinding, a: AdmissionAttributes): Promise<Decision[]> {
    const spec = policy.spec!;
    const failurePolicy = spec.failurePolicy ?? 'Fail';
    const onError = (message: string): Decision[] => (failurePolicy === 'Fail' ? [{ action: 'error', message }] : []);
    let paramsList: Array<KubeObject | null>;
    try {
      paramsList = await this.paramsFor(spec.paramKind, binding.spec?.paramRef, a);
    } catch (err) {
      return onError((err as Error).message);
    }
    if (paramsList.length === 0) return [];
    const namespaceObject = a.namespace ? (await this.deps.namespace(a.namespace)) ?? null : null;
    const base = {
      object: celValue(a.object ?? null), oldObject: celValue(a.oldObject ?? null), namespaceObject: celValue(namespaceObject),
      request: celValue(admissionRequest({ ...a, object: undefined, oldObject: undefined })),
    };
    const decisions: Decision[] = [];
    for (const params of paramsList) {
      const context: Record<string, unknown> = { ...base, params: celValue(params), variables: {} };
      try {
        const variables: Record<string, unknown> = {};
        for (const v of spec.variables ?? []) variables[v.name] = this.run(policy, v.expression, { ...context, variables });
        context.variables = variables;
        let matched = true;
        for (const c of spec.matchConditions ?? []) {
          const result = this.run(policy, c.expression, context);
          if (result !== true && result !== false) throw new Error(`matchCondition '${c.name}' must evaluate to bool`);
          if (!result) { matched = false; break; }
        }
        if (!matched) continue;
      } catch (err) {
        decisions.push(...onError(firstLine((err as Error).message)));
        continue;
      }
      for (const validation of spec.validations ?? []) {
        try {
          const result = this.run(policy, validation.expression, context);
          if (result === true) continue;
          if (result !== false) throw new Error(`expression '${validation.expression}' must evaluate to bool`);
          decisions.push({ action: 'violation', message: this.messageOf(policy, validation, context), ...(validation.reason ? { reason: validation.reason } : {}) });
        } catch (err) {
          decisions.push(...onError(`expression '${validation.expression}' resulted in error: ${firstLine((err as Error).message)}`));
        }
      }
    }
    return decisions;
  }

  private run(policy: ValidatingAdmissionPolicy, expression: string, context: Record<string, unknown>): unknown {
    try {
      return compile(expression).evaluate(context);
    } catch (err) {
      if (err instanceof CelCompileError) {
        const key = `${policy.metadata?.name}/${policy.metadata?.generation ?? 0}/${expression}`;
        if (!this.reported.has(key)) {
          if (this.reported.size > 1000) this.reported.clear();
          this.reported.add(key);
          this.deps.log?.('ValidatingAdmissionPolicy expression does not type-check', { policy: policy.metadata?.name, expression, err: err.message });
        }
      }
      throw err;
    }
  }

  private messageOf(policy: ValidatingAdmissionPolicy, v: Validation, context: Record<string, unknown>): string {
    if (v.messageExpression) {
      try {
        const m = this.run(policy, v.messageExpression, context);
        if (typeof m === 'string' && m.trim() !== '' && !m.includes('\n')) return m.trim();
      } catch {
        // kube-apiserver falls back to the static message when messageExpression fails.
      }
    }
    return v.message || `failed expression: ${v.expression.trim()}`;
  }

  private async paramsFor(kind: { apiVersion?: string; kind?: string } | undefined, ref: ParamRef | undefined, a: AdmissionAttributes): Promise<Array<KubeObject | null>> {
    if (!kind?.kind) return [null];
    if (!ref) throw new Error('paramKind is set but the binding has no paramRef');
    if (!this.deps.params) throw new Error('no parameter source configured');
    const namespace = ref.namespace ?? a.namespace;
    const found = ref.name
      ? [await this.deps.params.get(kind.apiVersion ?? 'v1', kind.kind, namespace, ref.name)].filter((p): p is KubeObject => p !== undefined)
      : await this.deps.params.list(kind.apiVersion ?? 'v1', kind.kind, namespace, ref.selector);
    if (found.length === 0 && ref.parameterNotFoundAction !== 'Allow') {
      throw new Error('no params found for policy binding with `Deny` parameterNotFoundAction');
    }
    return found;
  }

  private act(
    policy: ValidatingAdmissionPolicy, binding: ValidatingAdmissionPolicyBinding, a: AdmissionAttributes, decisions: Decision[], warnings: Warnings, seconds: number,
  ): void {
    const policyName = policy.metadata?.name ?? '';
    const bindingName = binding.metadata?.name ?? '';
    const actions = binding.spec?.validationActions ?? [];
    if (decisions.length === 0) {
      this.deps.metrics?.policyCheck(policyName, bindingName, 'allow', 'no_error', seconds);
      return;
    }
    let denial: Decision | undefined;
    for (const d of decisions) {
      const errorType = d.action === 'error' ? 'expression_error' : 'no_error';
      if (actions.includes('Warn')) {
        warnings.push(`Validation failed for ValidatingAdmissionPolicy '${policyName}' with binding '${bindingName}': ${d.message}`);
        this.deps.metrics?.policyCheck(policyName, bindingName, 'warn', errorType, seconds);
      }
      if (actions.includes('Audit')) {
        this.deps.log?.('ValidatingAdmissionPolicy audit', { policy: policyName, binding: bindingName, message: d.message, name: a.name, namespace: a.namespace });
        this.deps.metrics?.policyCheck(policyName, bindingName, 'audit', errorType, seconds);
      }
      if (actions.includes('Deny')) {
        denial ??= d;
        this.deps.metrics?.policyCheck(policyName, bindingName, 'deny', errorType, seconds);
      }
    }
    if (!denial) return;
    const message = `ValidatingAdmissionPolicy '${policyName}' with binding '${bindingName}' denied request: ${denial.message}`;
    const err = admissionForbidden(a, message, [{ message }]);
    const reason = denial.reason ?? 'Invalid';
    err.status.reason = reason;
    err.status.code = REASON_CODES[reason] ?? 422;
    throw err;
  }
}
