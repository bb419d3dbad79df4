// The deployment defaults a fresh platform has (global, and per namespace), which the platform merges under every
// deployment's spec: without them the client would not see the fields it did not write.

import type { JsonObject } from '../json.js';

/**
 * Realistic global deployment defaults: strategies, attempts, resources and a Flink configuration with a
 * restart strategy, so the difference between a PATCH (keeps them) and a PUT (resets to them) is visible.
 */
export function globalDefaultsSpec(): JsonObject {
  return {
    state: 'CANCELLED',
    upgradeStrategy: { kind: 'STATEFUL' },
    restoreStrategy: { kind: 'LATEST_STATE', allowNonRestoredState: false },
    maxJobCreationAttempts: 4,
    maxSavepointCreationAttempts: 4,
    template: {
      spec: {
        parallelism: 1,
        numberOfTaskManagers: 1,
        resources: {
          jobmanager: { cpu: 1, memory: '1g' },
          taskmanager: { cpu: 1, memory: '2g' },
        },
        flinkConfiguration: {
          'execution.checkpointing.interval': '10s',
          'execution.checkpointing.externalized-checkpoint-retention': 'RETAIN_ON_CANCELLATION',
          'restart-strategy': 'failure-rate',
          'restart-strategy.failure-rate.delay': '10 s',
          'restart-strategy.failure-rate.failure-rate-interval': '1 min',
          'restart-strategy.failure-rate.max-failures-per-interval': '3',
          'table.exec.state.ttl': '36 h',
        },
        logging: { loggingProfile: 'default', log4jLoggers: { '': 'INFO' } },
      },
    },
  };
}

/** Namespace `default` also knows where to put savepoints; other namespaces start without (see README). */
export function defaultNamespaceDefaultsSpec(namespace: string): JsonObject {
  return {
    template: {
      spec: {
        flinkConfiguration: {
          'state.savepoints.dir': `s3://vvp-emulator/savepoints/${namespace}`,
          'state.checkpoints.dir': `s3://vvp-emulator/checkpoints/${namespace}`,
        },
      },
    },
  };
}
