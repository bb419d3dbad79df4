// Which requests an admission configuration applies to — pure decisions, as k8s.io/apiserver's
// webhook/predicates/rules (RuleWithOperations), predicates/namespace and predicates/object, also used by
// ValidatingAdmissionPolicy's matchConstraints. This server serves each resource in one version only, so
// matchPolicy Equivalent finds no other group/version to convert to and decides as Exact does.

import { matchesLabels } from '../list/selectors.js';
import type { LabelRequirement } from '../storage.js';
import type { AdmissionAttributes } from './attributes.js';

export interface RuleWithOperations {
  operations?: string[];
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  scope?: string;
}

export interface LabelSelectorRequirement { key: string; operator: string; values?: string[] }
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

function listMatches(list: string[] | undefined, value: string): boolean {
  return (list ?? []).some((v) => v === '*' || v === value);
}

function splitResource(resource: string): [string, string] {
  const i = resource.indexOf('/');
  return i < 0 ? [resource, ''] : [resource.slice(0, i), resource.slice(i + 1)];
}

/** rules.Matcher.Matches: operation, group, version, resource (with "*", "*\u002F*", "x\u002Fstatus") and scope. */
export function ruleMatches(rule: RuleWithOperations, a: Pick<AdmissionAttributes, 'operation' | 'resource' | 'subResource' | 'namespace'>, ignoreScope = false): boolean {
  if (!listMatches(rule.operations, a.operation)) return false;
  if (!listMatches(rule.apiGroups, a.resource.group)) return false;
  if (!listMatches(rule.apiVersions, a.resource.version)) return false;
  const resourceMatches = (rule.resources ?? []).some((r) => {
    const [res, sub] = splitResource(r);
    return (res === '*' || res === a.resource.resource) && (sub === '*' || sub === a.subResource);
  });
  if (!resourceMatches) return false;
  if (ignoreScope) return true;
  switch (rule.scope ?? '*') {
    case 'Cluster': return a.namespace === '';
    case 'Namespaced': return a.namespace !== '';
    default: return true;
  }
}

/** A metav1.LabelSelector as requirements; an unknown operator matches nothing (the API server refuses to store one). */
export function selectorRequirements(selector: LabelSelector | undefined): LabelRequirement[] | 'nothing' {
  const requirements: LabelRequirement[] = Object.entries(selector?.matchLabels ?? {}).map(([key, v]) => ({ key, operator: 'In', values: [v] }));
  for (const e of selector?.matchExpressions ?? []) {
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(e.operator)) return 'nothing';
    requirements.push({ key: e.key, operator: e.operator as LabelRequirement['operator'], values: e.values ?? [] });
  }
  return requirements;
}

export function selectorMatches(selector: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  const requirements = selectorRequirements(selector);
  return requirements !== 'nothing' && matchesLabels(labels, requirements);
}

export function isEmptySelector(selector: LabelSelector | undefined): boolean {
  return !selector || (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0);
}

/** predicates/object: the new or the old object's labels match (a DELETE has only the old one). */
export function objectSelectorMatches(selector: LabelSelector | undefined, a: AdmissionAttributes): boolean {
  if (isEmptySelector(selector)) return true;
  return [a.object, a.oldObject].some((o) => o !== undefined && selectorMatches(selector, o.metadata?.labels ?? {}));
}

/**
 * predicates/namespace: cluster-scoped requests always match; namespaced ones by their namespace's labels (read only
 * when the selector is not empty).
 */
export async function namespaceSelectorMatches(
  selector: LabelSelector | undefined, a: AdmissionAttributes, namespaceLabels: (name: string) => Promise<Record<string, string> | undefined>,
): Promise<boolean> {
  if (a.namespace === '' || isEmptySelector(selector)) return true;
  return selectorMatches(selector, (await namespaceLabels(a.namespace)) ?? {});
}

/** ResourceRules with ExcludeResourceRules, as matchConstraints of a ValidatingAdmissionPolicy (and its binding). */
export interface MatchResources {
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
  resourceRules?: Array<RuleWithOperations & { resourceNames?: string[] }>;
  excludeResourceRules?: Array<RuleWithOperations & { resourceNames?: string[] }>;
  matchPolicy?: string;
}

function namedRuleMatches(rule: RuleWithOperations & { resourceNames?: string[] }, a: AdmissionAttributes): boolean {
  if (!ruleMatches(rule, a)) return false;
  return !rule.resourceNames?.length || rule.resourceNames.includes(a.name);
}

export async function matchResourcesMatch(
  m: MatchResources | undefined, a: AdmissionAttributes, namespaceLabels: (name: string) => Promise<Record<string, string> | undefined>,
  requireRules: boolean,
): Promise<boolean> {
  if (!m) return !requireRules;
  const rules = m.resourceRules ?? [];
  if (rules.length === 0 ? requireRules : !rules.some((r) => namedRuleMatches(r, a))) return false;
  if ((m.excludeResourceRules ?? []).some((r) => namedRuleMatches(r, a))) return false;
  if (!objectSelectorMatches(m.objectSelector, a)) return false;
  return namespaceSelectorMatches(m.namespaceSelector, a, namespaceLabels);
}

/** Whether any of the rules could take this operation on this resource, whatever the namespace and object. */
export function anyRuleMayMatch(rules: RuleWithOperations[] | undefined, resource: AdmissionAttributes['resource'], operation: AdmissionAttributes['operation']): boolean {
  return (rules ?? []).some((r) => ruleMatches(r, { operation, resource, subResource: '', namespace: '' }, true));
}
