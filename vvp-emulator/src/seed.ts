// The state a fresh emulator starts in, as a fresh Ververica Platform does: the `default` namespace and its deployment
// defaults; with --seed also a deployment target and an example deployment, for trying the product by hand.

import { defaultNamespaceDefaultsSpec, globalDefaultsSpec } from './store/defaults.js';
import { newMetadata, Store } from './store/store.js';
import { newDeploymentTarget } from './routes/deployment-targets.js';
import type { JsonObject } from './json.js';

export const defaultNamespace = 'default';

/** A fresh platform: global defaults and namespace `default` (always present). */
export function freshStore(): Store {
  const store = new Store({ kind: 'DeploymentDefaults', apiVersion: 'v1', metadata: newMetadata('', 'global'), spec: globalDefaultsSpec() });
  ensureDefaultNamespace(store);
  return store;
}

export function ensureDefaultNamespace(store: Store): void {
  if (!store.namespaces.has(defaultNamespace)) {
    store.addNamespace(defaultNamespace, defaultNamespaceDefaultsSpec(defaultNamespace), [{ role: 'owner', members: ['system:authenticated'] }]);
  }
}

/** `--seed`: a deployment target named `default` and the example deployment (body for POST /deployments). */
export function seedTarget(store: Store): void {
  const ns = store.namespace(defaultNamespace);
  if (!ns.targets.has('default')) ns.targets.set('default', newDeploymentTarget(defaultNamespace, 'default', 'vvp-jobs'));
}

export const exampleDeployment: JsonObject = {
  metadata: { name: 'top-speed', displayName: 'Top Speed Windowing', labels: { app: 'top-speed', 'emulator.ververica.platform/example': 'true' } },
  spec: {
    state: 'RUNNING',
    deploymentTargetName: 'default',
    template: {
      spec: {
        artifact: {
          kind: 'JAR',
          jarUri: 'https://repo1.maven.org/maven2/org/apache/flink/flink-examples-streaming_2.12/1.14.6/flink-examples-streaming_2.12-1.14.6-TopSpeedWindowing.jar',
          entryClass: 'org.apache.flink.streaming.examples.windowing.TopSpeedWindowing',
          flinkVersion: '1.14',
        },
        parallelism: 2,
      },
    },
  },
};
