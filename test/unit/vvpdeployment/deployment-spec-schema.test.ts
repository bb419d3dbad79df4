// The platform Deployment spec as the server validates it (spec.deployment.spec and spec.initFields.spec): what the
// vendor's swagger declares; fields it does not know kept for the platform to judge, Kubernetes pod options passed through.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import t from 'tap';
import { ObjectValidator } from '../../../apiserver/k8s/strategy/validation.js';
import type { KubeObject } from '../../../apiserver/k8s/types.js';
import { vvpDeploymentInfo, vvpDeploymentSchema } from '../../../apiserver/vvpdeployment/schema.js';
import { unknownPlatformFields } from '../../../apiserver/vvpdeployment/decide/unknown-fields.js';
import { repoRoot, vvpApiDir } from '../../support/emulator.js';
import { thrownStatus } from '../k8s/thrown.js';

type Schema = { type?: string; properties?: Record<string, Schema>; items?: Schema; $ref?: string; additionalProperties?: Schema | boolean; [k: string]: unknown };

const validator = new ObjectValidator(vvpDeploymentInfo);
const TEMPLATE_SPEC = ['spec', 'deployment', 'spec', 'template', 'spec'];

function manifest(): KubeObject {
  return {
    apiVersion: 'ververica.platform/v1', kind: 'VvpDeployment', metadata: { name: 'x', namespace: 'default' },
    spec: {
      syncingMode: 'PATCH',
      deployment: { spec: { state: 'CANCELLED', deploymentTargetName: 'default', template: { spec: { artifact: { kind: 'JAR', jarUri: 's3://b/j.jar' }, parallelism: 1 } } } },
    },
  };
}

function withValue(path: string[], value: unknown): KubeObject {
  const o = manifest() as unknown as Record<string, unknown>;
  let cur = o;
  for (const seg of path.slice(0, -1)) cur = (cur[seg] ??= {}) as Record<string, unknown>;
  cur[path[path.length - 1]!] = value;
  return o as unknown as KubeObject;
}

function at(schema: Schema, path: string[]): Schema {
  return path.reduce((s, seg) => s.properties![seg]!, schema);
}

t.test('every field of the vendor\'s DeploymentSpec (2.4.3 swagger) is declared, with the swagger\'s type', async (t) => {
  const swagger = JSON.parse(readFileSync(join(vvpApiDir(), 'appmanager-2.4.3.swagger.json'), 'utf8')) as { definitions: Record<string, Schema> };
  const deref = (s: Schema): Schema => (s.$ref ? swagger.definitions[s.$ref.split('/').pop()!]! : s);
  const missing: string[] = [];
  let compared = 0;
  const walk = (vendor: Schema, ours: Schema | undefined, path: string): void => {
    vendor = deref(vendor);
    compared++;
    if (!ours) return void missing.push(`${path}: not declared`);
    // JsonNode (open Kubernetes objects) and the pod templates are passed through: nothing below them to compare.
    if (ours['x-kubernetes-preserve-unknown-fields'] === true && !vendor.properties) return;
    if (vendor.type && ours.type !== vendor.type) missing.push(`${path}: ${String(ours.type)} instead of ${vendor.type}`);
    if (vendor.items) walk(vendor.items, ours.items, `${path}[]`);
    const vendorValues = typeof vendor.additionalProperties === 'object' ? deref(vendor.additionalProperties) : undefined;
    for (const [k, v] of Object.entries(vendor.properties ?? {})) {
      if (path.endsWith('.kubernetes') && (k === 'jobManagerPodTemplate' || k === 'taskManagerPodTemplate')) continue;
      walk(v, ours.properties?.[k], `${path}.${k}`);
    }
    // resources: a map in the swagger, the two component names the platform knows here.
    if (vendorValues?.properties) for (const [k, v] of Object.entries(ours.properties ?? {})) walk(vendorValues, v, `${path}.${k}`);
  };
  walk(swagger.definitions.DeploymentSpec!, at(vvpDeploymentSchema as Schema, ['spec', 'deployment', 'spec']), 'spec.deployment.spec');
  t.same(missing, []);
  t.ok(compared > 40, `${compared} vendor fields compared`);
});

t.test('the examples and a manifest for Ververica\'s VVP 3 operator validate under Strict without warnings', async (t) => {
  const dir = join(repoRoot(), 'examples');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  t.ok(files.length >= 5);
  for (const f of files) {
    const o = yaml.load(readFileSync(join(dir, f), 'utf8')) as KubeObject;
    t.same(validator.check(o, 'Strict'), { warnings: [] }, f);
  }
  const full = manifest();
  (full.spec as { deployment: { spec: Record<string, unknown> } }).deployment.spec = {
    state: 'RUNNING', deploymentTargetId: '5e0c9bd2-7a2f-4c3e-9d6e-0a7b8c9d0e1f', sessionClusterName: 'sc',
    upgradeStrategy: { kind: 'STATEFUL' }, restoreStrategy: { kind: 'LATEST_STATE', allowNonRestoredState: true },
    maxSavepointCreationAttempts: 4, maxJobCreationAttempts: 4, jobFailureExpirationTime: '1h',
    template: {
      metadata: { annotations: { 'flink.queryable-state.enabled': 'false' } },
      spec: {
        artifact: { kind: 'PYTHON', pythonArtifactUri: 's3://b/job.py', entryModule: 'job', mainArgs: '--x 1', additionalPythonLibraries: ['s3://b/l.zip'], additionalPythonArchives: ['s3://b/a.zip'], flinkVersion: '1.18', flinkImageTag: 't', engineVersionName: 'vera-1' },
        parallelism: 2, numberOfTaskManagers: 2, engineVersionName: 'vera-1',
        resources: { jobmanager: { cpu: 0.5, memory: '1g' }, taskmanager: { cpu: 2, memory: '4g' } },
        flinkConfiguration: { 'state.savepoints.dir': 's3://b/sp' },
        logging: { loggingProfile: 'default', log4jLoggers: { '': 'INFO' }, log4j2ConfigurationTemplate: '<Configuration/>' },
        kubernetes: {
          pods: { envVars: [{ name: 'A', value: '1' }], volumeMounts: [{ name: 'v', volume: { name: 'v', emptyDir: {} }, volumeMount: { name: 'v', mountPath: '/v' } }], affinity: { nodeAffinity: {} } },
          taskManagerPodTemplate: { spec: { containers: [{ name: 'flink-taskmanager', resources: { limits: { memory: '4Gi' } } }], futurePodField: true } },
        },
      },
    },
  };
  t.same(validator.check(full, 'Strict'), { warnings: [] }, 'every declared field, PYTHON artifact');
  const pods = (full.spec as { deployment: { spec: { template: { spec: { kubernetes: { taskManagerPodTemplate: { spec: Record<string, unknown> } } } } } } }).deployment.spec.template.spec.kubernetes.taskManagerPodTemplate.spec;
  t.equal(pods.futurePodField, true, 'pod templates are Kubernetes PodSpecs: unknown fields there are kept');
});

t.test('unknown fields in the platform spec are kept under every fieldValidation (the subtree preserves unknown fields, as a CRD\'s marked one)', async (t) => {
  for (const path of [['spec', 'deployment', 'spec', 'foo'], [...TEMPLATE_SPEC, 'foo'], [...TEMPLATE_SPEC, 'artifact', 'foo'], [...TEMPLATE_SPEC, 'logging', 'foo'],
    ['spec', 'deployment', 'spec', 'template', 'foo'], ['spec', 'deployment', 'spec', 'upgradeStrategy', 'foo'], ['spec', 'initFields', 'spec', 'template', 'spec', 'foo']]) {
    const field = path.join('.');
    for (const fv of ['Strict', 'Warn', 'Ignore'] as const) {
      const kept = withValue(path, { any: ['value'] });
      t.same(validator.check(kept, fv), { warnings: [] }, `${field} under ${fv}: no refusal, no pruning warning`);
      t.same(path.reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], kept), { any: ['value'] }, `${field} under ${fv}: kept as written`);
    }
    t.same([...unknownPlatformFields(withValue(path, 1) as never).keys()], [field], `${field} is named as unknown (the write's Warning)`);
  }
});

t.test('outside the platform spec, unknown fields still follow fieldValidation: Strict 400, Warn a warning, Ignore dropped', async (t) => {
  for (const path of [['spec', 'foo'], ['spec', 'deployment', 'foo'], ['spec', 'deployment', 'metadata', 'foo']]) {
    const field = path.join('.');
    t.match(thrownStatus(() => validator.check(withValue(path, 1), 'Strict')), { code: 400, reason: 'BadRequest', message: `strict decoding error: unknown field "${field}"` }, field);
    const warned = withValue(path, 1);
    t.same(validator.check(warned, 'Warn').warnings, [`unknown field "${field}"`]);
    const ignored = withValue(path, 1);
    t.same(validator.check(ignored, 'Ignore').warnings, []);
    t.notOk(JSON.stringify(ignored).includes('"foo"'), `${field} is dropped before anything is written`);
  }
});

t.test('wrong types and out-of-range numbers are 422 with a cause at the field', async (t) => {
  const cases: Array<[string[], unknown]> = [
    [[...TEMPLATE_SPEC, 'parallelism'], 1e308], [[...TEMPLATE_SPEC, 'parallelism'], 2147483648], [[...TEMPLATE_SPEC, 'parallelism'], 0],
    [[...TEMPLATE_SPEC, 'parallelism'], 1.5], [[...TEMPLATE_SPEC, 'parallelism'], 'two'], [[...TEMPLATE_SPEC, 'numberOfTaskManagers'], -1],
    [['spec', 'deployment', 'spec', 'maxJobCreationAttempts'], 1e10], [[...TEMPLATE_SPEC, 'artifact', 'kind'], 'ZIP'],
    [[...TEMPLATE_SPEC, 'artifact', 'jarUri'], 5], [[...TEMPLATE_SPEC, 'resources', 'taskmanager', 'cpu'], 0.05],
    [[...TEMPLATE_SPEC, 'flinkConfiguration'], { a: 1 }], [[...TEMPLATE_SPEC, 'kubernetes', 'pods', 'nodeSelector'], { a: true }],
    [['spec', 'deployment', 'spec', 'jobFailureExpirationTime'], { a: 1 }], [['spec', 'deployment', 'spec', 'deploymentTargetId'], 7],
  ];
  for (const [path, value] of cases) {
    const status = thrownStatus(() => validator.check(withValue(path, value), 'Strict'));
    const field = path.join('.');
    t.match(status, { code: 422, reason: 'Invalid' }, `${field} = ${JSON.stringify(value)}`);
    t.ok(status?.details?.causes?.some((c) => c.field?.startsWith(field)), `a cause at ${field}: ${JSON.stringify(status?.details?.causes)}`);
  }
  const kind = thrownStatus(() => validator.check(withValue([...TEMPLATE_SPEC, 'artifact', 'kind'], 'ZIP'), 'Strict'));
  t.same(kind?.details?.causes, [{ type: 'FieldValueNotSupported', field: `${TEMPLATE_SPEC.join('.')}.artifact.kind`, message: 'Unsupported value: "ZIP": supported values: "JAR", "SQLSCRIPT", "PYTHON"' }]);
});

t.test('kubectl explain learns the platform fields', async (t) => {
  const spec = at(vvpDeploymentSchema as Schema, ['spec', 'deployment', 'spec']);
  t.equal(spec['x-kubernetes-preserve-unknown-fields'], true, 'the platform spec keeps fields the server does not know');
  t.equal(at(spec, ['template', 'spec', 'artifact'])['x-kubernetes-preserve-unknown-fields'], true, 'at every declared depth (the marker is not inherited)');
  t.ok(at(spec, ['template', 'spec', 'artifact']).properties, 'and still declares its fields (explain, types)');
  t.ok(at(spec, ['template', 'spec', 'artifact', 'pythonArtifactUri']).description);
  t.match(at(spec, ['template', 'spec', 'parallelism']), { type: 'integer', format: 'int32', minimum: 1, maximum: 2147483647 });
  t.equal(at(spec, ['template', 'spec', 'kubernetes'])['x-kubernetes-preserve-unknown-fields'], true, 'Kubernetes options are passed through');
});
