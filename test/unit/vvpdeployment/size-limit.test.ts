import t from 'tap';
import { MAX_PLATFORM_DEPLOYMENT_BYTES, OversizedDeployments, checkPlatformDeploymentSize } from '../../../apiserver/vvpdeployment/decide/size-limit.js';
import type { Deployment } from '../../../apiserver/vvp/types.js';

const ref = { group: 'ververica.platform', resource: 'vvpdeployments', name: 'big' };

function deployment(id: string, configBytes: number, resourceVersion = 1): Deployment {
  return {
    metadata: { id, name: id, namespace: 'default', resourceVersion },
    spec: { template: { spec: { flinkConfiguration: { x: 'x'.repeat(configBytes) } } } },
  } as unknown as Deployment;
}

t.test('a platform deployment above the limit is refused with 413 naming the figure', async (t) => {
  t.doesNotThrow(() => checkPlatformDeploymentSize(deployment('ok', 1000), ref));
  try {
    checkPlatformDeploymentSize(deployment('big', MAX_PLATFORM_DEPLOYMENT_BYTES), ref);
    t.fail('not refused');
  } catch (err) {
    t.match((err as { status: unknown }).status, { code: 413, reason: 'RequestEntityTooLarge', message: /"big" is too large: .* more than the limit of 1048576 bytes/, details: { name: 'big' } });
  }
});

t.test('oversized deployments already on the platform are left out, with one warning per version', async (t) => {
  const warnings: Record<string, unknown>[] = [];
  const filter = new OversizedDeployments((_m, fields) => warnings.push(fields));
  const listed = [deployment('a', 10), deployment('huge', 2 * MAX_PLATFORM_DEPLOYMENT_BYTES), deployment('b', 10)];
  t.same(filter.withinLimit(listed).map((d) => d.metadata.id), ['a', 'b']);
  filter.withinLimit(listed);
  t.equal(warnings.length, 1, 'not again on the next poll');
  filter.withinLimit([deployment('huge', 2 * MAX_PLATFORM_DEPLOYMENT_BYTES, 2)]);
  t.equal(warnings.length, 2, 'again for a new version');
  t.match(warnings[0], { id: 'huge', limit: MAX_PLATFORM_DEPLOYMENT_BYTES });
});
