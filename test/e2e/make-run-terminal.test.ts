// `make run` as a newcomer runs it: typed into a terminal (a tmux pane, a real pseudo-terminal), it stays in the
// foreground after its banner, Ctrl-C stops every process it started, and typing it again starts cleanly — once
// with one platform, once with PLATFORMS=2. The processes of a run are found two ways: the pids it recorded, and
// every process in the table whose command line, working directory or open files lie in the run's state directory.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import t from 'tap';
import { isAlive, runCommand } from '../../tools/cluster/control-plane.js';
import { readStack } from '../../apiservice/local/stack.js';
import { eventually } from '../support/eventually.js';
import { processesIn, terminal } from '../support/terminal.js';

// Two runs from a cold start each, on a loaded 2-core machine: more than the suite's 600 s per file.
t.setTimeout(1_800_000);
const repo = resolve('.');
const runJs = resolve('dist/apiservice/local/run.js');
// Both runs use one state directory, as two `make run`s in one checkout use .run.
const state = join(mkdtempSync(join(tmpdir(), 'vvp-make-run-')), 'run');
const pane = terminal(join(dirname(state), 'tmux.sock'));

t.before(async () => {
  if (!process.env.K8S_BIN_DIR) throw new Error('K8S_BIN_DIR is not set (make test sets it)');
  await pane.open(repo);
});
t.teardown(async () => {
  await pane.close();
  rmSync(dirname(state), { recursive: true, force: true });
});

for (const [run, platforms] of [[1, 1], [2, 2]] as const) {
  t.test(`make run (${run === 1 ? 'first' : 'then again in the same checkout'}, PLATFORMS=${platforms}) stays up until Ctrl-C, then nothing of it is left`, async (t) => {
    t.teardown(() => runCommand(process.execPath, [runJs, 'down', '--state', state]));
    // `-o build`: the suite has built already; everything else is the Makefile's own recipe.
    await pane.type(`make -o build run RUN_STATE=${state} PLATFORMS=${platforms} RUN_ARGS='--timings fast'`);

    const shown = await eventually('the banner (or an error)', async () => {
      const text = await pane.screen();
      return /Press Ctrl-C to stop everything this started\.|Error \d+|\[run\] .*failed/.test(text) ? text : undefined;
    }, 600_000);
    t.match(shown, /Press Ctrl-C to stop everything this started\./, 'the banner');
    t.notMatch(shown, /Error \d+|\[run\] .*failed/, 'no error');
    const stack = readStack(state);
    t.ok(stack, 'the run recorded its stack');
    const pids = [stack!.pids.server, ...stack!.platforms.map((p) => p.pid), ...Object.values(stack!.controlPlane.pids)];
    t.equal(pids.length, 4 + platforms, `server, ${platforms} emulator(s), etcd, kube-apiserver, kube-controller-manager`);
    t.ok(pids.every((p) => isAlive(p)), 'all of them run');

    // A user's first command, while make is still in the foreground.
    const env = { HOME: state };
    const got = await runCommand(stack!.kubectl, ['--kubeconfig', stack!.kubeconfig, 'get', 'vvpdeployments', '-A'], { env });
    t.equal(got.code, 0, got.stderr);
    t.match(got.stdout, /traffic-speeds/, 'kubectl get vvpdeployments -A answers through the APIService');
    t.equal(await pane.foreground(), 'make', 'make is still in the foreground of the terminal');
    const running = processesIn(state);
    t.ok(pids.every((p) => running.includes(p!)), 'the process table finds every recorded process in the state directory');

    await pane.ctrlC();
    await eventually('make to end after Ctrl-C', async () => (await pane.foreground()) === 'bash', 120_000);
    const text = await pane.screen();
    t.match(text, /stopped; nothing of this run is left/, 'it says it stopped');
    t.notMatch(text, /Error \d+/, 'make reports no error (only its Interrupt)');
    t.notOk(pids.some((p) => isAlive(p)), 'no recorded process is left');
    t.same(processesIn(state), [], 'no process in the table uses the state directory');
    t.notOk(existsSync(state), 'the state directory is removed');
  });
}
