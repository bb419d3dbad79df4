// Policy cases generated from tables (the hand-written ones are in policies.ts): validation actions × how a validation
// ends, failurePolicy × how it fails, params (paramKind, paramRef by name / selector / the object's namespace,
// parameterNotFoundAction), request.userInfo and namespaceObject in messages, and MutatingAdmissionPolicy mutations
// (ApplyConfiguration and JSONPatch, each operation kind, variables, matchConditions, on UPDATE).
import type { Json } from './fixtures.js';
import type { PolicyCase } from './policies.js';

const P = 'object.spec.deployment.spec.template.spec';
const CONFIG_MAP = { apiVersion: 'v1', kind: 'ConfigMap' };

/** How a validation ends: denied with a message, with a messageExpression, by a run-time error, or a failing messageExpression. */
const OUTCOMES: Record<string, Record<string, Json>> = {
  'message': { expression: 'false', message: 'denied by message' },
  'message-expression': { expression: 'false', messageExpression: "'denied for ' + object.metadata.name" },
  'runtime-error': { expression: "object.metadata.annotations['missing'] == 'x'" },
  'message-expression-error': { expression: 'false', message: 'the fallback message', messageExpression: "string(object.metadata.annotations['missing'])" },
  'message-expression-empty': { expression: 'false', message: 'the fallback message', messageExpression: "''" },
};
const ACTIONS = [['Deny'], ['Warn'], ['Audit'], ['Deny', 'Audit'], ['Warn', 'Audit']];

const actions: PolicyCase[] = ACTIONS.flatMap((validationActions) => Object.entries(OUTCOMES).map(([outcome, validation]) => ({
  name: `actions/${validationActions.join('+')}/${outcome}`,
  policy: { failurePolicy: 'Fail', validations: [validation] }, binding: { validationActions }, object: { annotations: { a: 'b' } },
})));

const failures: PolicyCase[] = ['Fail', 'Ignore'].flatMap((failurePolicy) => Object.entries({
  'runtime-error': { validations: [{ expression: "object.metadata.annotations['missing'] == 'x'" }] },
  'compile-error': { validations: [{ expression: 'object.spec.deployment.noSuchField.size() > 0' }] },
  'type-error': { validations: [{ expression: `${P}.parallelism == 'one'` }] },
  'variable-error': { variables: [{ name: 'v', expression: "object.metadata.annotations['missing']" }], validations: [{ expression: "variables.v == 'x'" }] },
  'second-validation': { validations: [{ expression: 'true' }, { expression: "object.metadata.annotations['missing'] == 'x'", message: 'second' }] },
  'param-missing-key': { paramKind: CONFIG_MAP, validations: [{ expression: "params.data['absent'] == 'x'" }] },
} as Record<string, Record<string, Json>>).map(([why, spec]) => ({
  name: `failure-policy/${failurePolicy}/${why}`, policy: { failurePolicy, ...spec }, object: { annotations: { a: 'b' } },
  ...(spec.paramKind ? { binding: { paramRef: { name: '<params>', namespace: 'adm-conf', parameterNotFoundAction: 'Deny' } }, params: { present: 'yes' } } : {}),
})));

const paramRefs: Record<string, Record<string, Json>> = {
  'by-name': { name: '<params>', namespace: 'adm-conf' },
  'by-name-object-namespace': { name: '<params>' },
  'by-selector': { selector: { matchLabels: { 'adm-param': '<id>' } } },
  'by-selector-none': { selector: { matchLabels: { 'adm-param': 'nothing-has-this' } } },
  'by-name-absent': { name: 'adm-absent', namespace: 'adm-conf' },
  'by-name-other-namespace': { name: '<params>', namespace: 'default' },
};
const params: PolicyCase[] = [
  ...Object.entries(paramRefs).flatMap(([how, ref]) => ['Allow', 'Deny'].map((parameterNotFoundAction) => ({
    name: `params/${how}/${parameterNotFoundAction}`,
    policy: { failurePolicy: 'Fail', paramKind: CONFIG_MAP, validations: [{ expression: `${P}.parallelism <= int(params.data.max)`, messageExpression: "'at most ' + params.data.max" }] },
    binding: { paramRef: { ...ref, parameterNotFoundAction } }, params: { max: '1' }, object: { parallelism: 2 },
  }))),
  { name: 'params/cluster-scoped-namespace', policy: { failurePolicy: 'Fail', paramKind: { apiVersion: 'v1', kind: 'Namespace' }, validations: [{ expression: 'false', messageExpression: "'param ' + params.metadata.name" }] }, binding: { paramRef: { name: 'adm-conf', parameterNotFoundAction: 'Deny' } } },
  { name: 'params/binding-without-param-ref', policy: { failurePolicy: 'Fail', paramKind: CONFIG_MAP, validations: [{ expression: 'true' }] } },
  { name: 'params/param-ref-without-kind', policy: { failurePolicy: 'Fail', validations: [{ expression: 'false', message: 'denied without params' }] }, binding: { paramRef: { name: '<params>', namespace: 'adm-conf', parameterNotFoundAction: 'Deny' } }, params: { a: 'b' } },
  { name: 'params/in-match-condition', policy: { failurePolicy: 'Fail', paramKind: CONFIG_MAP, matchConditions: [{ name: 'enabled', expression: "params.data.enabled == 'yes'" }], validations: [{ expression: 'false', message: 'enabled by params' }] }, binding: { paramRef: { name: '<params>', namespace: 'adm-conf', parameterNotFoundAction: 'Deny' } }, params: { enabled: 'yes' } },
];

const USER = ['request.userInfo.username', "request.userInfo.groups.join(',')", "string(request.userInfo.?uid.orValue('') == '')", "string(request.userInfo.?extra.orValue({}).size())"];
const userAndNamespace: PolicyCase[] = [
  ...USER.map((expression, i) => ({ name: `user-info/${['username', 'groups', 'uid-empty', 'extra-size'][i]}`, policy: { failurePolicy: 'Fail', validations: [{ expression: 'false', messageExpression: expression }] } })),
  { name: 'user-info/in-match-condition', policy: { failurePolicy: 'Fail', matchConditions: [{ name: 'masters', expression: "'system:masters' in request.userInfo.groups" }], validations: [{ expression: 'false', message: 'masters are checked' }] } },
  { name: 'namespace-object/name-and-labels', policy: { failurePolicy: 'Fail', validations: [{ expression: 'false', messageExpression: "namespaceObject.metadata.name + ' ' + namespaceObject.metadata.labels['adm-conf']" }] } },
  { name: 'namespace-object/status', policy: { failurePolicy: 'Fail', validations: [{ expression: "namespaceObject.status.phase != 'Active'", messageExpression: "'namespace is ' + namespaceObject.status.phase" }] } },
  { name: 'namespace-object/spec-finalizers', policy: { failurePolicy: 'Fail', validations: [{ expression: 'false', messageExpression: "namespaceObject.spec.finalizers.join(',')" }] } },
  { name: 'namespace-object/in-variable', policy: { failurePolicy: 'Fail', variables: [{ name: 'team', expression: "namespaceObject.metadata.?labels[?'team'].orValue('none')" }], validations: [{ expression: 'false', messageExpression: "'team ' + variables.team" }] } },
];

const apply = (expression: string, extra: Record<string, Json> = {}): Record<string, Json> =>
  ({ failurePolicy: 'Fail', reinvocationPolicy: 'Never', mutations: [{ patchType: 'ApplyConfiguration', applyConfiguration: { expression } }], ...extra });
const jsonPatch = (expression: string, extra: Record<string, Json> = {}): Record<string, Json> =>
  ({ failurePolicy: 'Fail', reinvocationPolicy: 'Never', mutations: [{ patchType: 'JSONPatch', jsonPatch: { expression } }], ...extra });
const TEMPLATE = 'Object.spec.deployment.spec.template';

const mutations: PolicyCase[] = Object.entries({
  'apply/annotation': apply("Object{metadata: Object.metadata{annotations: {'applied': 'yes'}}}"),
  'apply/label-from-spec': apply(`Object{metadata: Object.metadata{labels: {'parallelism': string(${P}.parallelism)}}}`),
  'apply/two-mutations': { ...apply("Object{metadata: Object.metadata{labels: {'one': '1'}}}"), mutations: [
    { patchType: 'ApplyConfiguration', applyConfiguration: { expression: "Object{metadata: Object.metadata{labels: {'one': '1'}}}" } },
    { patchType: 'ApplyConfiguration', applyConfiguration: { expression: "Object{metadata: Object.metadata{labels: {'two': string(object.metadata.labels.size())}}}" } },
  ] },
  'apply/nested-spec': apply(`Object{spec: Object.spec{deployment: Object.spec.deployment{spec: Object.spec.deployment.spec{template: ${TEMPLATE}{spec: ${TEMPLATE}.spec{artifact: ${TEMPLATE}.spec.artifact{entryClass: 'com.example.Main'}}}}}}}`),
  'apply/unknown-field': apply('Object{spec: Object.spec{noSuchField: 1}}'),
  'apply/wrong-type': apply(`Object{spec: Object.spec{deployment: Object.spec.deployment{spec: Object.spec.deployment.spec{template: ${TEMPLATE}{spec: ${TEMPLATE}.spec{parallelism: 'two'}}}}}}`),
  'apply/variables': apply("Object{metadata: Object.metadata{labels: {'ns': variables.ns}}}", { variables: [{ name: 'ns', expression: 'namespaceObject.metadata.name' }] }),
  'apply/match-condition-true': apply("Object{metadata: Object.metadata{labels: {'matched': 'yes'}}}", { matchConditions: [{ name: 'small', expression: `${P}.parallelism < 5` }] }),
  'apply/ignore-error': { ...apply("Object{metadata: Object.metadata{labels: {'x': string(1 / 0)}}}"), failurePolicy: 'Ignore' },
  'json-patch/add-label': jsonPatch("[JSONPatch{op: 'add', path: '/metadata/labels/patched', value: 'yes'}]"),
  'json-patch/escaped-key': jsonPatch("[JSONPatch{op: 'add', path: '/metadata/labels/' + jsonpatch.escapeKey('example.com/team'), value: 'x'}]"),
  'json-patch/remove': jsonPatch("[JSONPatch{op: 'remove', path: '/metadata/annotations/gone'}]"),
  'json-patch/remove-missing': jsonPatch("[JSONPatch{op: 'remove', path: '/metadata/annotations/never-there'}]"),
  'json-patch/test-fails': jsonPatch("[JSONPatch{op: 'test', path: '/spec/syncingMode', value: 'PUT'}]"),
  'json-patch/test-then-add': jsonPatch("[JSONPatch{op: 'test', path: '/spec/syncingMode', value: 'PATCH'}, JSONPatch{op: 'add', path: '/metadata/labels/tested', value: 'yes'}]"),
  'json-patch/copy-move': jsonPatch("[JSONPatch{op: 'copy', from: '/metadata/annotations/gone', path: '/metadata/annotations/copied'}, JSONPatch{op: 'move', from: '/metadata/annotations/kept', path: '/metadata/annotations/moved'}]"),
  'json-patch/replace-spec-value': jsonPatch(`[JSONPatch{op: 'replace', path: '/spec/deployment/spec/template/spec/parallelism', value: ${P}.parallelism * 2}]`),
  'json-patch/append-list': jsonPatch("[JSONPatch{op: 'add', path: '/metadata/finalizers', value: ['example.com/a']}, JSONPatch{op: 'add', path: '/metadata/finalizers/-', value: 'example.com/b'}]"),
  'json-patch/wrong-type': jsonPatch("[JSONPatch{op: 'replace', path: '/spec/deployment/spec/template/spec/parallelism', value: 'two'}]"),
} as Record<string, Record<string, Json>>).map(([name, policy]) => ({
  name: `map/${name}`, kind: 'mutating' as const, policy, object: { annotations: { gone: 'x', kept: 'y' }, parallelism: 2 },
}));

const onUpdate: PolicyCase[] = [
  { name: 'map/on-update/apply', kind: 'mutating', operations: ['UPDATE'], policy: apply("Object{metadata: Object.metadata{annotations: {'previous-parallelism': string(oldObject.spec.deployment.spec.template.spec.parallelism)}}}"), object: { parallelism: 2 }, update: { spec: { deployment: { spec: { template: { spec: { parallelism: 3 } } } } } } },
  { name: 'map/on-update/json-patch', kind: 'mutating', operations: ['UPDATE'], policy: jsonPatch("[JSONPatch{op: 'add', path: '/metadata/labels/changed', value: string(object.metadata.labels.size() != oldObject.metadata.labels.size())}]"), update: { metadata: { labels: { added: 'yes' } } } },
  { name: 'update/transition-metadata', operations: ['UPDATE'], policy: { failurePolicy: 'Fail', validations: [{ expression: 'object.metadata.generation == oldObject.metadata.generation', messageExpression: "'generation ' + string(oldObject.metadata.generation) + ' -> ' + string(object.metadata.generation)" }] }, update: { spec: { deployment: { spec: { template: { spec: { parallelism: 4 } } } } } } },
  { name: 'update/immutable-label', operations: ['UPDATE'], policy: { failurePolicy: 'Fail', validations: [{ expression: "object.metadata.labels['team'] == oldObject.metadata.labels['team']", message: 'team is immutable' }] }, object: { labels: { team: 'a' } }, update: { metadata: { labels: { team: 'b' } } } },
  { name: 'update/request-operation', operations: ['UPDATE'], policy: { failurePolicy: 'Fail', validations: [{ expression: 'false', messageExpression: "request.operation + ' ' + string(request.dryRun) + ' ' + request.name" }] }, update: { metadata: { annotations: { touched: 'yes' } } } },
];

export const POLICY_TABLE_CASES: PolicyCase[] = [...actions, ...failures, ...params, ...userAndNamespace, ...mutations, ...onUpdate];
