// Work no request waits for — deletions finishing, platform events mirrored — done by the one replica holding
// the Lease, in a loop that starts and stops with leadership.
import type { Logger } from 'pino';

export interface BackgroundTask {
  name: string;
  intervalMs: number;
  run(signal: AbortSignal): Promise<unknown>;
}

export function backgroundLoop(tasks: BackgroundTask[], log: Logger): { onStartedLeading(): void; onStoppedLeading(): void } {
  let controller: AbortController | undefined;
  const loop = async (task: BackgroundTask, signal: AbortSignal) => {
    while (!signal.aborted) {
      try {
        await task.run(signal);
      } catch (err) {
        if (!signal.aborted) log.warn({ task: task.name, err: (err as Error).message }, 'background task failed; retrying');
      }
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, task.intervalMs);
        signal.addEventListener('abort', () => { clearTimeout(timer); resolve(undefined); }, { once: true });
      });
    }
  };
  return {
    onStartedLeading() {
      controller = new AbortController();
      for (const task of tasks) void loop(task, controller.signal);
    },
    onStoppedLeading() {
      controller?.abort();
      controller = undefined;
    },
  };
}
