// `make cluster-up` / `make cluster-down`: node dist/tools/cluster/cli.js up|down [--state DIR] [--bin DIR]
// [--node-bin DIR]: with --node-bin (test/cluster/build-node-binaries.sh's output), a node too (tools/cluster/node.ts).
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startControlPlane, stopControlPlane, tail } from './control-plane.js';
import { startNode, stopNode } from './node.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { state: { type: 'string', default: '.state/cluster' }, bin: { type: 'string' }, 'node-bin': { type: 'string' } },
});
const stateDir = resolve(values.state);
const nodeState = join(stateDir, 'node');
const command = positionals[0];
const log = (l: string) => console.error(`[cluster] ${l}`);

if (command === 'up') {
  if (!values.bin) throw new Error('--bin DIR (the built Kubernetes binaries) is required');
  const binDir = resolve(values.bin);
  const nodeBin = values['node-bin'] ? resolve(values['node-bin']) : undefined;
  try {
    const cp = await startControlPlane({ stateDir, binDir, withNode: nodeBin !== undefined, log });
    if (nodeBin) await startNode({ cp, nodeBinDir: nodeBin, stateDir: nodeState, repo: resolve('.'), log });
    console.log(`Control plane: ${cp.server}`);
    console.log(`Logs:          ${cp.logs.apiserver}, ${cp.logs.etcd}${nodeBin ? `, ${nodeState}/kubelet.log, ${nodeState}/containerd.log` : ''}`);
    console.log(`export KUBECONFIG=${cp.kubeconfig}`);
    console.log(`kubectl:       ${cp.kubectl}`);
  } catch (err) {
    console.error(`[cluster] ${(err as Error).message}`);
    console.error(`[cluster] etcd log:\n${tail(`${stateDir}/etcd.log`)}`);
    process.exitCode = 1;
  }
} else if (command === 'down') {
  await stopNode(nodeState);
  await stopControlPlane(stateDir);
  console.error(`[cluster] stopped; removed ${stateDir}`);
} else {
  console.error('usage: cli.js up|down [--state DIR] [--bin DIR] [--node-bin DIR]');
  process.exitCode = 2;
}
