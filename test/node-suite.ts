// The real-node suite (test/node: kubelet + containerd, the chart as Pods of the image) inside `make test`, behind
// NODE_SUITE. Its prerequisites are long to make the first time (the node's Go binaries, the image), so they are made
// in the background at lowest priority (nice 19) while the rest of the suite runs, and the node suite runs at the end:
//   off  — not run;
//   on   — waits for the binaries and the image however long they take, then runs it; a missing prerequisite fails;
//   auto — (the default) runs it only if they are ready when the rest has finished; otherwise says so in one line and stops the
//          build (Go's build cache and buildah's layers keep what was done, so a later run finds them).
// Waiting, not racing: the node suite starts only after the main suite's control plane is stopped.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tail } from '../tools/cluster/control-plane.js';

export type NodeSuiteMode = 'off' | 'auto' | 'on';
export interface NodeSuiteOutcome { ran: boolean; pass: number; fail: number; failures: string[] }
export type TapRunner = (files: string[], env: NodeJS.ProcessEnv, tapArgs?: string[]) => Promise<{ code: number; pass: number; fail: number; failures: string[] }>;

// One at a time (--jobs=1 below): one node per machine.
const suiteFiles = ['dist/test/node/chart-pods.node.js', 'dist/test/node/make-run-node.node.js'];
const say = (line: string) => console.log(`[node-suite] ${line}`);

export function nodeSuiteMode(value: string | undefined): NodeSuiteMode {
  const mode = value?.trim() || 'off';
  if (mode !== 'off' && mode !== 'auto' && mode !== 'on') throw new Error(`NODE_SUITE=${mode}: use off, auto or on`);
  return mode;
}

/** What the node needs from the machine, beyond what the scripts build: the reasons it cannot run here. */
function missingOnMachine(): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root');
  for (const tool of ['buildah', 'debootstrap', 'runc', 'iptables']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) missing.push(tool);
  }
  if (!['/usr/lib/cni/bridge', '/opt/cni/bin/bridge'].some((p) => existsSync(p))) missing.push('the CNI plugins (containernetworking-plugins)');
  return missing;
}

/** Starts making the node's binaries and the image in the background; finish() runs the suite or says why not. */
export function startNodeSuite(mode: NodeSuiteMode, stateDir: string, k8sBinDir: string): { finish(runTap: TapRunner): Promise<NodeSuiteOutcome> } {
  const none: NodeSuiteOutcome = { ran: false, pass: 0, fail: 0, failures: [] };
  if (mode === 'off') return { finish: () => Promise.resolve(none) };
  const missing = missingOnMachine();
  if (missing.length > 0) {
    const why = `node suite not run: this machine lacks ${missing.join(', ')} (NODE_SUITE=${mode})`;
    return {
      finish: () => {
        say(why);
        return Promise.resolve(mode === 'on' ? { ran: false, pass: 0, fail: 1, failures: [`node suite › ${why}`] } : none);
      },
    };
  }
  mkdirSync(stateDir, { recursive: true });
  const log = join(stateDir, 'prepare.log');
  const binDirFile = join(stateDir, 'node-bin-dir');
  const started = Date.now();
  say(`building the node's binaries and the image in the background (nice 19; log ${log})`);
  // Its own process group, so that `auto` can stop the whole build (go, its compilers, buildah) and nothing is left.
  const prepare: ChildProcess = spawn('nice', ['-n', '19', 'bash', '-c', `test/cluster/build-node-binaries.sh > '${binDirFile}' && tools/image/build.sh`], {
    detached: true, stdio: ['ignore', openSync(log, 'w'), openSync(log, 'a')], env: { ...process.env, NODE_BIN_NICE: '19' },
  });
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((done) => prepare.on('exit', (code, signal) => { exitCode = signal ? 1 : code; done(); }));
  const seconds = () => Math.round((Date.now() - started) / 1000);

  return {
    async finish(runTap) {
      if (exitCode === undefined && mode === 'auto') {
        try { process.kill(-prepare.pid!, 'SIGTERM'); } catch { /* already gone */ }
        await exited;
        say(`node suite not run: its binaries and image were still being made after ${seconds()} s (NODE_SUITE=auto). `
          + 'Go\'s build cache and buildah\'s layers keep what was made; a later `make test` continues from there. '
          + `Log: ${log}`);
        return none;
      }
      if (exitCode === undefined) say('waiting for the node\'s binaries and the image (NODE_SUITE=on)');
      await exited;
      if (exitCode !== 0) {
        const why = `making the node's binaries or the image failed (exit ${String(exitCode)}), see ${log}`;
        say(`${why}\n${tail(log, 30)}`);
        return { ran: false, pass: 0, fail: 1, failures: [`node suite › ${why}`] };
      }
      // NODE_TESTS names some of the node files (make test NODE_TESTS=…); else all of them.
      const only = process.env.NODE_TESTS?.split(/\s+/).filter(Boolean);
      const files = only?.length ? only : suiteFiles;
      say(`binaries and image ready after ${seconds()} s; running ${files.join(' ')}`);
      const nodeBinDir = readFileSync(binDirFile, 'utf8').trim();
      // As `make node-test`: long cases (helm upgrades under load), so a longer timeout than .taprc's; one file at a time.
      const result = await runTap(files, { K8S_BIN_DIR: resolve(k8sBinDir), NODE_BIN_DIR: nodeBinDir }, ['--timeout=2400', '--jobs=1']);
      return { ran: true, pass: result.pass, fail: result.code !== 0 && result.fail === 0 ? 1 : result.fail, failures: result.failures };
    },
  };
}
