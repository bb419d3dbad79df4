// The webhook table: mutating and validating webhooks (a real HTTPS server run by the test, its CA in each
// configuration's caBundle) bound to the product's vvpdeployments and to the CRD's, selecting only objects labelled
// `adm-case: <id>`. A case is one write (create, update or delete, each also as a dry run); what is compared is what the
// client reads (code, Status, warnings, the admitted object) and every AdmissionReview each webhook received, field by
// field (review version included). Generated from small tables: operations × webhook type, review versions, timeouts
// × failurePolicy, selectors, matchPolicy, matchConditions, reinvocation with a MutatingAdmissionPolicy, patches,
// denials and warnings.
import type { AdmissionRequestSeen, WebhookAnswer } from '../../../tools/webhook-server.js';
import type { Json, ManifestOptions } from './fixtures.js';

export type WebhookAction = 'create' | 'create-dry' | 'update' | 'update-dry' | 'delete' | 'delete-dry';

export interface HookSpec {
  type: 'mutating' | 'validating';
  /** The webhook's answer; none: no handler at the webhook's path (the server answers 404). */
  answer?: (r: AdmissionRequestSeen) => WebhookAnswer | Promise<WebhookAnswer>;
  /**
   * More of the webhook's fields (failurePolicy, timeoutSeconds, namespaceSelector, matchPolicy, …) over the defaults;
   * two are shorthands: `objectSelector` holds labels the object must have besides `adm-case` (null: must not have),
   * `ruleVersions` the rule's apiVersions (v1 unless said).
   */
  config?: Record<string, Json>;
  /** The operations of its rule; the case's operation unless said. */
  operations?: string[];
}

export interface WebhookCase {
  name: string;
  hooks: HookSpec[];
  /** A MutatingAdmissionPolicy's spec (without matchConstraints) bound beside the webhooks: reinvocation. */
  map?: Record<string, Json>;
  object?: ManifestOptions;
  action: WebhookAction;
  /** The merge patch of an update (a label unless said). */
  update?: Record<string, Json>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const labelsOf = (r: AdmissionRequestSeen) => r.object?.metadata.labels ?? {};
const allow: HookSpec['answer'] = () => ({ allowed: true });
const warn = (text: string): HookSpec['answer'] => () => ({ allowed: true, warnings: [text] });
const denyWith = (status: WebhookAnswer['status'], warnings?: string[]): HookSpec['answer'] => () => ({ allowed: false, ...(status ? { status } : {}), ...(warnings ? { warnings } : {}) });
const patch = (...ops: Json[]): HookSpec['answer'] => () => ({ allowed: true, patch: ops });
/** Adds `key: value` to the labels unless present (an idempotent defaulting webhook). */
const addLabel = (key: string, value = 'yes'): HookSpec['answer'] => (r) => {
  if (!r.object || labelsOf(r)[key] === value) return { allowed: true };
  return { allowed: true, patch: [{ op: 'add', path: `/metadata/labels/${key.replace('/', '~1')}`, value }] };
};
const slow = (ms: number): HookSpec['answer'] => async () => {
  await sleep(ms);
  return { allowed: true, warnings: ['answered late'] };
};
const mutating = (answer: HookSpec['answer'], config: Record<string, Json> = {}): HookSpec => ({ type: 'mutating', answer, config });
const validating = (answer: HookSpec['answer'], config: Record<string, Json> = {}): HookSpec => ({ type: 'validating', answer, config });

const ACTIONS: WebhookAction[] = ['create', 'create-dry', 'update', 'update-dry', 'delete', 'delete-dry'];
const operationOf = (a: WebhookAction) => a.split('-')[0]!.toUpperCase();

const operations: WebhookCase[] = ACTIONS.flatMap((action) => [
  { name: `webhook/op/${action}/mutating`, action, hooks: [mutating(addLabel('mutated-by-webhook'))] },
  { name: `webhook/op/${action}/validating`, action, hooks: [validating(warn(`seen ${operationOf(action)}`))] },
  { name: `webhook/op/${action}/denied`, action, hooks: [mutating(allow), validating(denyWith({ code: 403, message: `no ${operationOf(action)} here` }))] },
]);

const versions: WebhookCase[] = [['v1beta1', 'v1'], ['v1'], ['v1beta1'], ['v2', 'v1']].flatMap((admissionReviewVersions) => [
  { name: `webhook/versions/${admissionReviewVersions.join('+')}/mutating`, action: 'create-dry' as const, hooks: [mutating(addLabel('version-seen'), { admissionReviewVersions })] },
  { name: `webhook/versions/${admissionReviewVersions.join('+')}/validating`, action: 'update-dry' as const, hooks: [validating(warn('version seen'), { admissionReviewVersions })] },
]);

const timeouts: WebhookCase[] = (['Ignore', 'Fail'] as const).flatMap((failurePolicy) => (['mutating', 'validating'] as const).map((type) => ({
  name: `webhook/timeout/${failurePolicy}/${type}`, action: 'create-dry' as const,
  hooks: [{ type, answer: slow(6_000), config: { failurePolicy, timeoutSeconds: 1 } }],
})));

const unreachable: WebhookCase[] = (['Ignore', 'Fail'] as const).flatMap((failurePolicy) => (['mutating', 'validating'] as const).map((type) => ({
  name: `webhook/not-found/${failurePolicy}/${type}`, action: 'create-dry' as const, hooks: [{ type, config: { failurePolicy } }],
})));

const denyHere = denyWith({ code: 403, message: 'selected' });
const selectors: WebhookCase[] = [
  { name: 'webhook/namespace-selector/match', action: 'create-dry', hooks: [validating(denyHere, { namespaceSelector: { matchLabels: { 'adm-conf': 'yes' } } })] },
  { name: 'webhook/namespace-selector/no-match', action: 'create-dry', hooks: [validating(denyHere, { namespaceSelector: { matchLabels: { 'adm-conf': 'no' } } })] },
  { name: 'webhook/namespace-selector/not-in', action: 'create-dry', hooks: [validating(denyHere, { namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['adm-conf'] }] } })] },
  { name: 'webhook/namespace-selector/exists', action: 'update-dry', hooks: [mutating(addLabel('ns-selected'), { namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'Exists' }] } })] },
  { name: 'webhook/object-selector/match', action: 'create-dry', object: { labels: { tier: 'web' } }, hooks: [validating(denyHere, { objectSelector: { tier: 'web' } })] },
  { name: 'webhook/object-selector/no-match', action: 'create-dry', object: { labels: { tier: 'db' } }, hooks: [validating(denyHere, { objectSelector: { tier: 'web' } })] },
  { name: 'webhook/object-selector/does-not-exist', action: 'create-dry', hooks: [mutating(addLabel('unskipped'), { objectSelector: { skip: null } })] },
  { name: 'webhook/object-selector/old-object-only', action: 'update-dry', object: { labels: { tier: 'web' } }, update: { metadata: { labels: { tier: null } } }, hooks: [validating(warn('old object matched'), { objectSelector: { tier: 'web' } })] },
  { name: 'webhook/object-selector/delete-old-object', action: 'delete-dry', object: { labels: { tier: 'web' } }, hooks: [validating(denyHere, { objectSelector: { tier: 'web' } })] },
];

const matchPolicies: WebhookCase[] = [['v1'], ['v2'], ['*']].flatMap((apiVersions) => (['Exact', 'Equivalent'] as const).map((matchPolicy) => ({
  name: `webhook/match-policy/${matchPolicy}/${apiVersions[0] === '*' ? 'any' : apiVersions[0]}`, action: 'create-dry' as const,
  hooks: [validating(denyHere, { matchPolicy, ruleVersions: apiVersions })],
})));

const conditions = (failurePolicy: string, ...matchConditions: { name: string; expression: string }[]) => ({ failurePolicy, matchConditions });
const matchConditions: WebhookCase[] = [
  { name: 'webhook/match-conditions/true', action: 'create-dry', object: { parallelism: 4 }, hooks: [validating(denyHere, conditions('Fail', { name: 'big', expression: 'object.spec.deployment.spec.template.spec.parallelism > 2' }))] },
  { name: 'webhook/match-conditions/false', action: 'create-dry', hooks: [validating(denyHere, conditions('Fail', { name: 'big', expression: 'object.spec.deployment.spec.template.spec.parallelism > 2' }))] },
  { name: 'webhook/match-conditions/error-fail', action: 'create-dry', object: { annotations: { a: 'b' } }, hooks: [validating(denyHere, conditions('Fail', { name: 'broken', expression: "object.metadata.annotations['missing'] == 'x'" }))] },
  { name: 'webhook/match-conditions/error-ignore', action: 'create-dry', object: { annotations: { a: 'b' } }, hooks: [validating(denyHere, conditions('Ignore', { name: 'broken', expression: "object.metadata.annotations['missing'] == 'x'" }))] },
  { name: 'webhook/match-conditions/error-fail-mutating', action: 'create-dry', object: { annotations: { a: 'b' } }, hooks: [mutating(addLabel('x'), conditions('Fail', { name: 'broken', expression: "object.metadata.annotations['missing'] == 'x'" }))] },
  { name: 'webhook/match-conditions/user', action: 'create-dry', hooks: [validating(denyHere, conditions('Fail', { name: 'admin', expression: "request.userInfo.groups.exists(g, g == 'system:masters')" }))] },
  { name: 'webhook/match-conditions/authorizer', action: 'create-dry', hooks: [validating(denyHere, conditions('Fail', { name: 'may-list', expression: "authorizer.group('').resource('configmaps').namespace('adm-conf').check('list').allowed()" }))] },
  { name: 'webhook/match-conditions/old-object-delete', action: 'delete-dry', hooks: [validating(denyHere, conditions('Fail', { name: 'old', expression: 'object == null && oldObject.metadata.name.startsWith("adm-")' }))] },
  { name: 'webhook/match-conditions/several-one-false', action: 'create-dry', hooks: [validating(denyHere, conditions('Fail', { name: 'a', expression: 'true' }, { name: 'b', expression: 'false' }))] },
];

// Reinvocation: the MutatingAdmissionPolicy runs before the webhooks; a later change reinvokes IfNeeded plugins once.
const mapAdds = (label: string, reinvocationPolicy: string): Record<string, Json> => ({
  failurePolicy: 'Fail', reinvocationPolicy,
  mutations: [{ patchType: 'ApplyConfiguration', applyConfiguration: { expression: `Object{metadata: Object.metadata{labels: {'${label}': string(object.metadata.labels.size())}}}` } }],
});
const reinvocation: WebhookCase[] = [
  ...[['IfNeeded', 'IfNeeded'], ['IfNeeded', 'Never'], ['Never', 'IfNeeded'], ['Never', 'Never']].map(([mapPolicy, hookPolicy]) => ({
    name: `webhook/reinvocation/map-${mapPolicy}/webhook-${hookPolicy}`, action: 'create-dry' as const, map: mapAdds('map-saw', mapPolicy!),
    hooks: [mutating((r) => ({ allowed: true, patch: [{ op: 'add', path: '/metadata/labels/webhook-saw', value: String(Object.keys(labelsOf(r)).length) }] }), { reinvocationPolicy: hookPolicy! })],
  })),
  {
    name: 'webhook/reinvocation/two-webhooks', action: 'create-dry',
    hooks: [mutating(addLabel('first'), { reinvocationPolicy: 'IfNeeded' }), mutating(addLabel('second'), { reinvocationPolicy: 'IfNeeded' })],
  },
  {
    name: 'webhook/reinvocation/json-patch-map', action: 'create-dry',
    map: { failurePolicy: 'Fail', reinvocationPolicy: 'IfNeeded', mutations: [{ patchType: 'JSONPatch', jsonPatch: { expression: "[JSONPatch{op: 'add', path: '/metadata/annotations', value: {'seen': string(object.metadata.labels.size())}}]" } }] },
    hooks: [mutating(addLabel('from-webhook'), { reinvocationPolicy: 'IfNeeded' })],
  },
];

const patches: WebhookCase[] = ([
  { name: 'webhook/patch/add-labels-map', object: { labels: {} }, hooks: [mutating(patch({ op: 'add', path: '/metadata/annotations', value: { a: '1', 'example.com/b': '2' } }))] },
  { name: 'webhook/patch/replace-spec', hooks: [mutating(patch({ op: 'replace', path: '/spec/deployment/spec/template/spec/parallelism', value: 6 }))] },
  { name: 'webhook/patch/remove-annotation', object: { annotations: { gone: 'soon', kept: 'yes' } }, hooks: [mutating(patch({ op: 'remove', path: '/metadata/annotations/gone' }))] },
  { name: 'webhook/patch/escaped-key', hooks: [mutating(patch({ op: 'add', path: '/metadata/labels/example.com~1team', value: 'x' }))] },
  { name: 'webhook/patch/copy-move', object: { annotations: { from: 'v' } }, hooks: [mutating(patch({ op: 'copy', from: '/metadata/annotations/from', path: '/metadata/annotations/copied' }, { op: 'move', from: '/metadata/annotations/from', path: '/metadata/annotations/moved' }))] },
  { name: 'webhook/patch/test-passes', hooks: [mutating(patch({ op: 'test', path: '/spec/deployment/spec/template/spec/parallelism', value: 1 }, { op: 'add', path: '/metadata/labels/tested', value: 'yes' }))] },
  { name: 'webhook/patch/test-fails', hooks: [mutating(patch({ op: 'test', path: '/spec/deployment/spec/template/spec/parallelism', value: 9 }))] },
  { name: 'webhook/patch/missing-path', hooks: [mutating(patch({ op: 'replace', path: '/spec/noSuch/field', value: 1 }))] },
  { name: 'webhook/patch/invalid-value', hooks: [mutating(patch({ op: 'replace', path: '/spec/deployment/spec/template/spec/parallelism', value: 'many' }))] },
  { name: 'webhook/patch/unknown-field', hooks: [mutating(patch({ op: 'add', path: '/spec/unknownField', value: 'x' }))] },
  { name: 'webhook/patch/rename', hooks: [mutating(patch({ op: 'replace', path: '/metadata/name', value: 'renamed' }))] },
  { name: 'webhook/patch/namespace', hooks: [mutating(patch({ op: 'replace', path: '/metadata/namespace', value: 'elsewhere' }))] },
  { name: 'webhook/patch/on-update', action: 'update-dry', hooks: [mutating(patch({ op: 'add', path: '/metadata/annotations', value: { updated: 'by-webhook' } }))] },
  { name: 'webhook/patch/from-validating-ignored', hooks: [validating(patch({ op: 'add', path: '/metadata/labels/sneaky', value: 'yes' }))] },
] as (Omit<WebhookCase, 'action'> & { action?: WebhookAction })[]).map((c) => ({ action: 'create-dry', ...c }));

const denials: WebhookCase[] = [
  { name: 'webhook/deny/custom-code', hooks: [validating(denyWith({ code: 422, reason: 'Invalid', message: 'custom words' }))] },
  { name: 'webhook/deny/teapot', hooks: [validating(denyWith({ code: 418, message: 'short and stout' }))] },
  { name: 'webhook/deny/no-status', hooks: [validating(denyWith(undefined))] },
  { name: 'webhook/deny/reason-only', hooks: [validating(denyWith({ reason: 'Forbidden' }))] },
  { name: 'webhook/deny/code-500', hooks: [validating(denyWith({ code: 500, message: 'broken inside' }))] },
  { name: 'webhook/deny/with-warnings', hooks: [validating(denyWith({ code: 403, message: 'no' }, ['but first a warning']))] },
  { name: 'webhook/deny/mutating', hooks: [mutating(denyWith({ code: 409, message: 'mutating said no' }))] },
  { name: 'webhook/deny/after-mutation', hooks: [mutating(addLabel('deny-me')), validating((r) => labelsOf(r)['deny-me'] ? { allowed: false, status: { message: 'saw the mutation' } } : { allowed: true })] },
].map((c) => ({ action: 'create-dry' as const, ...c }));

const warnings: WebhookCase[] = [
  { name: 'webhook/warnings/duplicate-two-webhooks', hooks: [validating(warn('the same words')), validating(warn('the same words'))] },
  { name: 'webhook/warnings/distinct-two-webhooks', hooks: [validating(warn('first words')), validating(warn('second words'))] },
  { name: 'webhook/warnings/mutating-and-validating', hooks: [mutating(warn('from mutating')), validating(warn('from validating')), validating(warn('from mutating'))] },
  { name: 'webhook/warnings/several-in-one', hooks: [validating(() => ({ allowed: true, warnings: ['one', 'two', 'one'] }))] },
  { name: 'webhook/warnings/non-printable', hooks: [validating(warn('tab\there\u0007bell'))] },
  { name: 'webhook/warnings/long', hooks: [validating(warn('w'.repeat(300)))] },
  { name: 'webhook/warnings/with-audit-annotations', hooks: [validating(() => ({ allowed: true, warnings: ['annotated'], auditAnnotations: { note: 'x' } }))] },
].map((c) => ({ action: 'create-dry' as const, ...c }));

export const WEBHOOK_CASES: WebhookCase[] = [
  ...operations, ...versions, ...timeouts, ...unreachable, ...selectors, ...matchPolicies, ...matchConditions, ...reinvocation, ...patches, ...denials, ...warnings,
];
