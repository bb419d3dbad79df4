// Which FlowSchema a request matches: a line-by-line port of k8s.io/apiserver pkg/util/flowcontrol/rule.go, and the
// matching order of apf_controller.go (matchingPrecedence ascending, then name; the mandatory `exempt` schema first and
// `catch-all` last when the cluster lacks them). The wildcard in a list is not a pattern: it counts only as the list's
// one member, as validation enforces upstream.

import {
  type FlowSchema, NAME_ALL, type NonResourcePolicyRule, type PolicyRulesWithSubjects, type RequestDigest, type ResourcePolicyRule, type Subject,
} from './types.js';

const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

function containsString(x: string, list: string[] | undefined, wildcard: string): boolean {
  if (!list) return false;
  if (list.length === 1 && list[0] === wildcard) return true;
  return list.includes(x);
}

function matchesSubject(user: RequestDigest['user'], subject: Subject): boolean {
  switch (subject.kind) {
    case 'User':
      return subject.user !== undefined && (subject.user.name === NAME_ALL || subject.user.name === user.name);
    case 'Group': {
      if (!subject.group) return false;
      return subject.group.name === '*' || user.groups.includes(subject.group.name);
    }
    case 'ServiceAccount': {
      const sa = subject.serviceAccount;
      if (!sa) return false;
      if (sa.name === NAME_ALL) {
        if (!user.name.startsWith(SERVICE_ACCOUNT_PREFIX)) return false;
        const rest = user.name.slice(SERVICE_ACCOUNT_PREFIX.length);
        return rest.startsWith(sa.namespace) && rest.slice(sa.namespace.length).startsWith(':');
      }
      return user.name === `${SERVICE_ACCOUNT_PREFIX}${sa.namespace}:${sa.name}`;
    }
    default:
      return false;
  }
}

function matchesResourceRule(info: RequestDigest['info'], rule: ResourcePolicyRule): boolean {
  if (!containsString(info.verb, rule.verbs, '*')) return false;
  const resource = info.subresource ? `${info.resource ?? ''}/${info.subresource}` : (info.resource ?? '');
  if (!containsString(resource, rule.resources, '*')) return false;
  if (!containsString(info.apiGroup ?? '', rule.apiGroups, '*')) return false;
  if (!info.namespace) return rule.clusterScope === true;
  return containsString(info.namespace, rule.namespaces, '*');
}

function matchesNonResourceURL(urls: string[], path: string): boolean {
  for (const rulePath of urls) {
    if (rulePath === '*' || rulePath === path) return true;
    let prefix = rulePath.endsWith('*') ? rulePath.slice(0, -1) : rulePath;
    if (!prefix.endsWith('/')) prefix += '/';
    if (path.startsWith(prefix)) return true;
  }
  return false;
}

function matchesNonResourceRule(info: RequestDigest['info'], rule: NonResourcePolicyRule): boolean {
  return containsString(info.verb, rule.verbs, '*') && matchesNonResourceURL(rule.nonResourceURLs ?? [], info.path);
}

function matchesPolicyRule(digest: RequestDigest, rule: PolicyRulesWithSubjects): boolean {
  if (!(rule.subjects ?? []).some((s) => matchesSubject(digest.user, s))) return false;
  if (digest.info.isResourceRequest) return (rule.resourceRules ?? []).some((r) => matchesResourceRule(digest.info, r));
  return (rule.nonResourceRules ?? []).some((r) => matchesNonResourceRule(digest.info, r));
}

export function matchesFlowSchema(digest: RequestDigest, fs: FlowSchema): boolean {
  return (fs.spec?.rules ?? []).some((rule) => matchesPolicyRule(digest, rule));
}

const everything = (subjects: Subject[]): PolicyRulesWithSubjects[] => [{
  subjects,
  resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'], clusterScope: true }],
  nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
}];

/** kube's mandatory schemas (bootstrap/default.go), used when the cluster has none of that name (they have no uid). */
export const MANDATORY_EXEMPT_SCHEMA: FlowSchema = {
  metadata: { name: 'exempt' },
  spec: { priorityLevelConfiguration: { name: 'exempt' }, matchingPrecedence: 1, rules: everything([{ kind: 'Group', group: { name: 'system:masters' } }]) },
};
export const MANDATORY_CATCH_ALL_SCHEMA: FlowSchema = {
  metadata: { name: 'catch-all' },
  spec: {
    priorityLevelConfiguration: { name: 'catch-all' }, matchingPrecedence: 10000, distinguisherMethod: { type: 'ByUser' },
    rules: everything([{ kind: 'Group', group: { name: 'system:unauthenticated' } }, { kind: 'Group', group: { name: 'system:authenticated' } }]),
  },
};

/**
 * The schemas in matching order: those whose priority level exists (`levelExists`), sorted by matchingPrecedence then
 * name, with the mandatory exempt and catch-all schemas supplied when missing.
 */
export function orderedFlowSchemas(schemas: FlowSchema[], levelExists: (name: string) => boolean): FlowSchema[] {
  const usable = schemas.filter((fs) => fs.spec && levelExists(fs.spec.priorityLevelConfiguration.name));
  usable.sort((a, b) => {
    const pa = a.spec?.matchingPrecedence ?? 1000;
    const pb = b.spec?.matchingPrecedence ?? 1000;
    if (pa !== pb) return pa - pb;
    const na = a.metadata?.name ?? '';
    const nb = b.metadata?.name ?? '';
    return na < nb ? -1 : na > nb ? 1 : 0;
  });
  const names = new Set(usable.map((fs) => fs.metadata?.name));
  if (!names.has('exempt')) usable.unshift(MANDATORY_EXEMPT_SCHEMA);
  if (!names.has('catch-all')) usable.push(MANDATORY_CATCH_ALL_SCHEMA);
  return usable;
}

/** The first schema the request matches; the catch-all schema if none does (as upstream falls back). */
export function selectFlowSchema(ordered: FlowSchema[], digest: RequestDigest): FlowSchema {
  return ordered.find((fs) => matchesFlowSchema(digest, fs))
    ?? ordered.find((fs) => fs.metadata?.name === 'catch-all') ?? MANDATORY_CATCH_ALL_SCHEMA;
}

/** The flow within the schema: kube's computeFlowDistinguisher. */
export function flowDistinguisher(fs: FlowSchema, digest: RequestDigest): string {
  switch (fs.spec?.distinguisherMethod?.type) {
    case 'ByUser': return digest.user.name;
    case 'ByNamespace': return digest.info.namespace ?? '';
    default: return '';
  }
}
