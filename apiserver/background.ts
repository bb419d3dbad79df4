// Work no request waits for: deletions finishing, interrupted savepoint nonces settled, platform events mirrored —
// done by the one replica holding the Lease, in a loop that starts and stops with leadership; and the little every
// replica must do for itself (refreshing what it knows of the platform), in a loop that runs all along.
import type { Logger } from 'pino';

export interface BackgroundTask {
  name: string;
  intervalMs: number;
  run(signal: AbortSignal): Promise<unknown>;
}

/** Runs each task now and then every `intervalMs` after it finished, until `signal` aborts. */
function runTasks(tasks: BackgroundTask[], log: Logger, signal: AbortSignal): void {
  const loop = async (task: BackgroundTask) => {
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
  for (const task of tasks) void loop(task);
}

/** Tasks for the lease holder only. */
export function backgroundLoop(tasks: BackgroundTask[], log: Logger): { onStartedLeading(): void; onStoppedLeading(): void } {
  let controller: AbortController | undefined;
  return {
    onStartedLeading() {
      controller = new AbortController();
      runTasks(tasks, log, controller.signal);
    },
    onStoppedLeading() {
      controller?.abort();
      controller = undefined;
    },
  };
}

/** Tasks for every replica, from start to shutdown. */
export function replicaLoop(tasks: BackgroundTask[], log: Logger): { start(): void; stop(): void } {
  const controller = new AbortController();
  return {
    start: () => runTasks(tasks, log, controller.signal),
    stop: () => controller.abort(),
  };
}
