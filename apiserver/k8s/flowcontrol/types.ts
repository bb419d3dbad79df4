// The flowcontrol.apiserver.k8s.io/v1 objects this server reads from the cluster (FlowSchema,
// PriorityLevelConfiguration), in their wire form: only the fields kube-apiserver's classification and queuing read.

export interface ObjectMetaLite {
  name?: string;
  uid?: string;
}

export interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount' | string;
  user?: { name: string };
  group?: { name: string };
  serviceAccount?: { namespace: string; name: string };
}

export interface ResourcePolicyRule {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  clusterScope?: boolean;
  namespaces?: string[];
}

export interface NonResourcePolicyRule {
  verbs: string[];
  nonResourceURLs: string[];
}

export interface PolicyRulesWithSubjects {
  subjects: Subject[];
  resourceRules?: ResourcePolicyRule[];
  nonResourceRules?: NonResourcePolicyRule[];
}

export interface FlowSchema {
  metadata?: ObjectMetaLite;
  spec?: {
    priorityLevelConfiguration: { name: string };
    matchingPrecedence?: number;
    distinguisherMethod?: { type: 'ByUser' | 'ByNamespace' | string };
    rules?: PolicyRulesWithSubjects[];
  };
}

export interface QueuingConfiguration {
  queues?: number;
  handSize?: number;
  queueLengthLimit?: number;
}

export interface PriorityLevelConfiguration {
  metadata?: ObjectMetaLite;
  spec?: {
    type: 'Exempt' | 'Limited' | string;
    limited?: {
      nominalConcurrencyShares?: number;
      lendablePercent?: number;
      borrowingLimitPercent?: number;
      limitResponse?: { type: 'Queue' | 'Reject' | string; queuing?: QueuingConfiguration };
    };
    exempt?: { nominalConcurrencyShares?: number; lendablePercent?: number };
  };
}

/** Who asks and what about: kube's RequestDigest (the user as authenticated, the request's RequestInfo). */
export interface RequestDigest {
  user: { name: string; groups: string[] };
  info: {
    isResourceRequest: boolean;
    path: string;
    verb: string;
    apiGroup?: string;
    namespace?: string;
    resource?: string;
    subresource?: string;
  };
}

export const NAME_ALL = '*';
