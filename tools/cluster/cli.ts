// `make cluster-up` / `make cluster-down`: node dist/tools/cluster/cli.js up|down [--state DIR] [--bin DIR]
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startControlPlane, stopControlPlane, tail } from './control-plane.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { state: { type: 'string', default: '.state/cluster' }, bin: { type: 'string' } },
});
const stateDir = resolve(values.state);
const command = positionals[0];

if (command === 'up') {
  if (!values.bin) throw new Error('--bin DIR (the built Kubernetes binaries) is required');
  const binDir = resolve(values.bin);
  try {
    const cp = await startControlPlane({ stateDir, binDir, log: (l) => console.error(`[cluster] ${l}`) });
    console.log(`Control plane: ${cp.server}`);
    console.log(`Logs:          ${cp.logs.apiserver}, ${cp.logs.etcd}`);
    console.log(`export KUBECONFIG=${cp.kubeconfig}`);
    console.log(`kubectl:       ${cp.kubectl}`);
  } catch (err) {
    console.error(`[cluster] ${(err as Error).message}`);
    console.error(`[cluster] etcd log:\n${tail(`${stateDir}/etcd.log`)}`);
    process.exitCode = 1;
  }
} else if (command === 'down') {
  await stopControlPlane(stateDir);
  console.error(`[cluster] stopped; removed ${stateDir}`);
} else {
  console.error('usage: cli.js up|down [--state DIR] [--bin DIR]');
  process.exitCode = 2;
}
