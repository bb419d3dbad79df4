// `make run` typed into a real terminal as a user does: a tmux pane (a pseudo-terminal) on a socket of its own, what
// it shows, which command has its foreground, and the processes a run leaves — found by the state directory they use.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { isAlive, runCommand } from '../../tools/cluster/control-plane.js';

/** A tmux server on `socket` with one pane, `user`, in `cwd`; the pane's environment is this process's, not a sub-make's. */
export function terminal(socket: string) {
  const paneEnv = { MAKEFLAGS: undefined, MFLAGS: undefined, MAKELEVEL: undefined, TMUX: undefined };
  const tmux = (args: string[]) => runCommand('tmux', ['-S', socket, ...args], { env: paneEnv });
  return {
    async open(cwd: string): Promise<void> {
      const started = await tmux(['new-session', '-d', '-s', 'user', '-x', '200', '-y', '50', '-c', cwd, 'bash --norc --noprofile']);
      if (started.code !== 0) throw new Error(`tmux: ${started.stderr}`);
      await tmux(['set-option', '-t', 'user', 'history-limit', '20000']);
    },
    async type(line: string): Promise<void> {
      await tmux(['send-keys', '-t', 'user', 'clear', 'Enter']);
      await tmux(['clear-history', '-t', 'user']);
      await tmux(['send-keys', '-t', 'user', line, 'Enter']);
    },
    async ctrlC(): Promise<void> {
      await tmux(['send-keys', '-t', 'user', 'C-c']);
    },
    screen: async () => (await tmux(['capture-pane', '-p', '-J', '-S', '-5000', '-t', 'user'])).stdout,
    foreground: async () => (await tmux(['display-message', '-p', '-t', 'user', '#{pane_current_command}'])).stdout.trim(),
    close: () => tmux(['kill-server']),
  };
}

/** Pids of every process whose command line, working directory or open files name `dir`. */
export function processesIn(dir: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid || !isAlive(pid)) continue;
    try {
      const names = [readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '), readlinkSync(`/proc/${pid}/cwd`)];
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        try { names.push(readlinkSync(`/proc/${pid}/fd/${fd}`)); } catch { /* closed meanwhile */ }
      }
      if (names.some((n) => n.includes(dir))) found.push(pid);
    } catch { /* exited meanwhile */ }
  }
  return found;
}

/** The processes below `parents` in the process table (a container shim's container and what it started). */
export function descendantsOf(parents: number[]): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so read after the last ')'.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    } catch { /* exited meanwhile */ }
  }
  const found: number[] = [];
  const queue = [...parents];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}
