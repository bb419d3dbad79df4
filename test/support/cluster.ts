// The control plane end-to-end tests run against: the one `make test` started (VVP_TEST_CLUSTER_STATE), or,
// when a test file is run on its own, one started for that file and stopped when it ends.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import t from 'tap';
import { readControlPlane, startControlPlane, stopControlPlane, tail, type ControlPlane } from '../../tools/cluster/control-plane.js';

let shared: Promise<ControlPlane> | undefined;

export function testControlPlane(): Promise<ControlPlane> {
  shared ??= (async () => {
    const stateDir = process.env.VVP_TEST_CLUSTER_STATE;
    if (stateDir) {
      const cp = readControlPlane(resolve(stateDir));
      if (!cp) throw new Error(`VVP_TEST_CLUSTER_STATE=${stateDir} holds no control plane`);
      return cp;
    }
    const binDir = process.env.K8S_BIN_DIR;
    if (!binDir) throw new Error('set K8S_BIN_DIR (see `make k8s-bin`) or VVP_TEST_CLUSTER_STATE to run this test alone');
    const own = mkdtempSync(join(tmpdir(), 'vvp-cluster-'));
    const cp = await startControlPlane({ stateDir: own, binDir });
    t.teardown(() => stopControlPlane(own));
    return cp;
  })();
  return shared;
}

/** Prints the control plane's recent logs when the current test file fails. */
export function printLogsOnFailure(cp: ControlPlane): void {
  t.teardown(() => {
    if (!t.passing()) {
      console.error(`--- kube-apiserver log (tail) ---\n${tail(cp.logs.apiserver, 60)}`);
      console.error(`--- etcd log (tail) ---\n${tail(cp.logs.etcd, 20)}`);
    }
  });
}

export { kubectl, type CommandResult } from '../../tools/cluster/control-plane.js';
