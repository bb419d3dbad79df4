// `make test`: one control plane for the whole suite, tap over the compiled tests, and a closing
// `N passed, N failed` line with tap's totals. The control plane's logs are printed when anything failed.
// NODE_SUITE=auto|on adds the real-node suite at the end (test/node-suite.ts); its totals join the line.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { startControlPlane, stopControlPlane, tail } from '../tools/cluster/control-plane.js';
import { nodeSuiteMode, startNodeSuite } from './node-suite.js';

const binDir = process.env.K8S_BIN_DIR;
if (!binDir) throw new Error('K8S_BIN_DIR must name the built Kubernetes binaries (make k8s-bin prints it)');
const stateDir = resolve('.state/test-cluster');
const files = process.argv.slice(2);
// The conformance suites' one-line verdicts (test/conformance/crd-parity.test.ts, admission-parity.test.ts), printed
// before the totals.
const summaries = ['.state/conformance-summary.txt', '.state/admission-conformance-summary.txt'].map((f) => resolve(f));
for (const f of summaries) rmSync(f, { force: true });

// First, so that the node's binaries and image have the whole suite's time to be made in the background.
const nodeSuite = startNodeSuite(nodeSuiteMode(process.env.NODE_SUITE), resolve('.state/node-suite'), binDir);
await stopControlPlane(stateDir);
const cp = await startControlPlane({ stateDir, binDir: resolve(binDir), log: (l) => console.log(`[cluster] ${l}`) });

/** tap over files; its totals, and its failing cases (repeated above the totals so that the tail of a CI log names them). */
function runTap(tapFiles: string[], env: NodeJS.ProcessEnv, tapArgs: string[] = []): Promise<{ code: number; pass: number; fail: number; failures: string[] }> {
  const failures: string[] = [];
  let currentFile = '';
  const noteFailure = (line: string) => {
    const file = /^# Subtest: (dist\/test\/\S+)/.exec(line);
    if (file) currentFile = file[1] ?? '';
    const failed = /^\s*not ok \d+ - (.*)$/.exec(line);
    if (failed && !/ # (TODO|SKIP)/i.test(line)) failures.push(`${currentFile} › ${failed[1]}`);
  };
  return new Promise((done) => {
    // Plain TAP in CI logs; the interactive reporter at a terminal.
    const reporter = process.env.TAP_REPORTER ?? (process.env.CI ? 'tap' : 'terse');
    const tap = spawn(process.execPath, [resolve('node_modules/tap/dist/esm/run.mjs'), `--reporter=${reporter}`, ...tapArgs, ...tapFiles], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let buffered = '';
    let partialLine = '';
    tap.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      const text = chunk.toString('utf8');
      buffered = (buffered + text).slice(-4096);
      const lines = (partialLine + text).split('\n');
      partialLine = lines.pop() ?? '';
      for (const line of lines) noteFailure(stripVTControlCharacters(line));
    });
    tap.on('close', (exit) => {
      const summary = /# \{ total: (\d+)(?:, pass: (\d+))?(?:, fail: (\d+))?/.exec(stripVTControlCharacters(buffered));
      done({ code: exit ?? 1, pass: Number(summary?.[2] ?? 0), fail: Number(summary?.[3] ?? 0), failures });
    });
  });
}

const suite = await runTap(files, { VVP_TEST_CLUSTER_STATE: stateDir, K8S_BIN_DIR: resolve(binDir) });
const { code, failures } = suite;
const totals = { pass: suite.pass, fail: suite.fail };

if (code !== 0) {
  console.log(`--- kube-apiserver log (tail) ---\n${tail(cp.logs.apiserver, 80)}`);
  console.log(`--- etcd log (tail) ---\n${tail(cp.logs.etcd, 20)}`);
  if (totals.fail === 0) totals.fail = 1;
}
await stopControlPlane(stateDir);
// After the main suite's control plane is stopped: the node suite starts its own, with a node.
const node = await nodeSuite.finish(runTap);
totals.pass += node.pass;
totals.fail += node.fail;
failures.push(...node.failures);
if (failures.length > 0) console.log(`--- failed (${failures.length}) ---\n${failures.slice(0, 40).join('\n')}`);
for (const f of summaries) if (existsSync(f)) console.log(readFileSync(f, 'utf8').trim());
console.log(`${totals.pass} passed, ${totals.fail} failed`);
process.exitCode = code !== 0 || node.fail > 0 ? 1 : 0;
