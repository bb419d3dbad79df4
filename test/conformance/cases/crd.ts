// The oracle: VvpDeployment installed as a CRD in the suite's kube-apiserver, with the product's own OpenAPI schema,
// a status subresource and the product's printer columns, in a group of its own so that both are served side by side.
import { vvpDeploymentSchema } from '../../../apiserver/vvpdeployment/schema.js';
import type { RawAnswer, RawRequest } from '../../support/hostile.js';
import { eventually } from '../../support/eventually.js';
import { JSON_CT } from './fixtures.js';

export const CRD_GROUP = 'crd.conformance.ververica.platform';

/** The same kind as a CRD: the product's schema, status subresource and printer columns. */
export const definition = {
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition',
  metadata: { name: `vvpdeployments.${CRD_GROUP}` },
  spec: {
    group: CRD_GROUP, scope: 'Namespaced',
    names: { plural: 'vvpdeployments', singular: 'vvpdeployment', kind: 'VvpDeployment', listKind: 'VvpDeploymentList' },
    versions: [{
      name: 'v1', served: true, storage: true,
      // A CRD's schema may say nothing of metadata but its type (the server owns ObjectMeta).
      schema: { openAPIV3Schema: { ...vvpDeploymentSchema, properties: { ...(vvpDeploymentSchema.properties as object), metadata: { type: 'object' } } } },
      subresources: { status: {} },
      additionalPrinterColumns: [
        { name: 'State', type: 'string', jsonPath: '.spec.deployment.spec.state', description: 'Desired state (spec.deployment.spec.state).' },
        { name: 'Status', type: 'string', jsonPath: '.status.state', description: 'State the platform reports (status.state).' },
        { name: 'Healthy', type: 'string', jsonPath: '.status.conditions[?(@.type=="Healthy")].status', description: 'Status of the Healthy condition.' },
        { name: 'Job', type: 'string', jsonPath: '.status.job.state', description: 'State of the current job (status.job.state).' },
        { name: 'Parallelism', type: 'string', jsonPath: '.spec.deployment.spec.template.spec.parallelism', description: 'Desired parallelism.' },
        { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since creation (metadata.creationTimestamp).' },
        { name: 'Platform', type: 'string', jsonPath: '.status.platformInstance', priority: 1, description: 'Platform instance holding it (status.platformInstance).' },
      ],
    }],
  },
};

/** Creates the CRD (another test file may have) and waits until kube-apiserver serves it. */
export async function installCrd(send: (req: RawRequest) => Promise<RawAnswer>): Promise<void> {
  const made = await send({ method: 'POST', path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', headers: JSON_CT, body: JSON.stringify(definition) });
  if (made.status !== 201 && made.status !== 409) throw new Error(`CRD: ${made.status} ${made.body}`);
  await eventually('the CRD is served', async () => (await send({ path: `/apis/${CRD_GROUP}/v1/vvpdeployments`, headers: { accept: 'application/json' } })).status === 200, 120_000);
}
