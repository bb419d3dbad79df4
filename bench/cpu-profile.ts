// The server's CPU profile over one phase of `make bench` (issue 32), taken through the inspector the server opens
// when the bench starts it with `--inspect` (never in production): Profiler.start before the phase, Profiler.stop
// after, over the Chrome DevTools Protocol on a WebSocket. `--cpu-prof` would profile the whole life of the process;
// a per-verb figure needs the profile of exactly that verb's requests. The profile is summarised as the top functions
// by self time (the samples whose top frame is that function), the unit a change to the server works on.
import { setTimeout as sleep } from 'node:timers/promises';
import { round } from './support.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface SelfTime {
  /** `function (file:line)`, the file relative to the server's dist/ or node_modules/, or V8's `(garbage collector)`. */
  name: string;
  ms: number;
  /** Share of the busy samples (idle excluded). */
  percent: number;
}

export interface ProfileSummary {
  busyMs: number;
  idleMs: number;
  top: SelfTime[];
}

/** A DevTools Protocol session on a Node process's inspector (the first target its /json/list names). */
export class InspectorSession {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();

  private constructor(private readonly socket: WebSocket) {
    socket.addEventListener('message', (event: MessageEvent) => {
      const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
      const waiter = message.id === undefined ? undefined : this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id!);
      if (message.error) waiter.reject(new Error(message.error.message));
      else waiter.resolve(message.result);
    });
  }

  static async connect(port: number, timeoutMs = 60_000): Promise<InspectorSession> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json() as { webSocketDebuggerUrl: string }[];
        const socket = new WebSocket(targets[0]!.webSocketDebuggerUrl);
        await new Promise<void>((resolve, reject) => {
          socket.addEventListener('open', () => resolve(), { once: true });
          socket.addEventListener('error', () => reject(new Error('inspector WebSocket error')), { once: true });
        });
        return new InspectorSession(socket);
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`no inspector on port ${port}`, { cause: err });
        await sleep(250);
      }
    }
  }

  send<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: (r) => resolve(r as T), reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Runs `phase` with the sampling profiler on (one sample per `intervalUs`); the phase's result and the profile. */
  async profile<T>(phase: () => Promise<T>, intervalUs = 1000): Promise<{ result: T; profile: Profile }> {
    await this.send('Profiler.enable');
    await this.send('Profiler.setSamplingInterval', { interval: intervalUs });
    await this.send('Profiler.start');
    try {
      const result = await phase();
      const { profile } = await this.send<{ profile: Profile }>('Profiler.stop');
      return { result, profile };
    } finally {
      await this.send('Profiler.disable').catch(() => undefined);
    }
  }

  close(): void {
    this.socket.close();
  }
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  if (!url) return name;
  const file = url.replace(/^file:\/\//, '').replace(/^.*\/(dist|node_modules)\//, '$1/');
  return `${name} (${file}:${lineNumber + 1})`;
}

/** The top `n` functions by self time; idle time (the event loop waiting) is reported apart, not in the shares. */
export function summariseProfile(profile: Profile, n = 10): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let idleUs = 0;
  let busyUs = 0;
  // timeDeltas[i] is the time before sample i; the time a sample stands for is the delta that follows it.
  for (const [i, id] of samples.entries()) {
    const us = deltas[i + 1] ?? 0;
    const node = byId.get(id);
    if (!node) continue;
    const name = frameName(node);
    if (name === '(idle)') { idleUs += us; continue; }
    busyUs += us;
    self.set(name, (self.get(name) ?? 0) + us);
  }
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, n)
    .map(([name, us]) => ({ name, ms: round(us / 1000, 1), percent: round((100 * us) / Math.max(1, busyUs), 1) }));
  return { busyMs: round(busyUs / 1000, 1), idleMs: round(idleUs / 1000, 1), top };
}
