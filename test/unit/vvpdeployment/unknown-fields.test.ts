// A field of the platform spec this server does not know (a newer VVP's, or a typo) is passed on as written; the
// write's Warning names it, and an update names only what it adds or changes, so a re-apply stays quiet.
import t from 'tap';
import { unknownFieldWarning, unknownPlatformFields } from '../../../apiserver/vvpdeployment/decide/unknown-fields.js';
import type { VvpDeployment } from '../../../apiserver/vvpdeployment/types.js';

function withSpec(deploymentSpec: Record<string, unknown>, initSpec?: Record<string, unknown>): Pick<VvpDeployment, 'spec'> {
  return { spec: { syncingMode: 'PUT', deployment: { spec: deploymentSpec }, ...(initSpec ? { initFields: { spec: initSpec } } : {}) } } as unknown as Pick<VvpDeployment, 'spec'>;
}

const template = (extra: Record<string, unknown>) => ({ state: 'RUNNING', template: { spec: { artifact: { kind: 'JAR', jarUri: 's3://b/j.jar' }, parallelism: 2, ...extra } } });

t.test('a VVP 3 field at any depth of the platform spec is named with its path; known fields and pod options are not', async (t) => {
  const obj = withSpec({
    ...template({ executionMode: 'BATCH', kubernetes: { pods: { futurePodOption: true }, taskManagerPodTemplate: { spec: { anything: 1 } } } }),
    jobFailureExpirationTime: '1h', upgradeStrategy: { kind: 'STATEFUL', timeout: 5 },
  }, { template: { spec: { paralelism: 2 } } });
  t.same([...unknownPlatformFields(obj).keys()].sort(), [
    'spec.deployment.spec.template.spec.executionMode', 'spec.deployment.spec.upgradeStrategy.timeout', 'spec.initFields.spec.template.spec.paralelism',
  ]);
  t.equal(unknownFieldWarning(withSpec(template({}))), undefined, 'a spec of known fields: no warning');
});

t.test('a create names every unknown field; an update only those it adds or changes', async (t) => {
  const v1 = withSpec(template({ executionMode: 'BATCH' }));
  t.equal(unknownFieldWarning(v1), 'unknown field "spec.deployment.spec.template.spec.executionMode": not in this server\'s schema; passed to Ververica Platform as written (the platform validates its own fields)');
  t.equal(unknownFieldWarning(withSpec(template({ executionMode: 'BATCH', parallelism: 3 })), v1), undefined, 'the same unknown field again (a re-apply): no warning');
  t.match(unknownFieldWarning(withSpec(template({ executionMode: 'STREAMING' })), v1), /^unknown field "spec\.deployment\.spec\.template\.spec\.executionMode"/, 'its value changed: named again');
  t.match(unknownFieldWarning(withSpec({ ...template({ executionMode: 'BATCH' }), vera: { x: 1 } }), v1), /^unknown field "spec\.deployment\.spec\.vera":/, 'only the new one');
  t.match(unknownFieldWarning(withSpec({ a: 1, b: 2 })), /^unknown fields "spec\.deployment\.spec\.a", "spec\.deployment\.spec\.b":/);
});
