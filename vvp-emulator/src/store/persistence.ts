// The store on disk (opt-in, `--data-file`): written after changes (debounced) and read at start, so that a
// restarted emulator is the same platform, as the tests of a restarted server need.

import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Runtime } from '../lifecycle/runtime.js';
import type {
  ApiToken,
  AutopilotPolicy,
  Deployment,
  DeploymentDefaults,
  DeploymentTarget,
  Job,
  Namespace,
  Savepoint,
  SessionCluster,
  VvpEvent,
} from '../types.js';
import { NamespaceState, Store } from './store.js';

interface SavedNamespace {
  namespace: Namespace;
  defaults: DeploymentDefaults;
  deployments: Deployment[];
  jobs: Job[];
  savepoints: Savepoint[];
  events: VvpEvent[];
  targets: DeploymentTarget[];
  /** Absent in data files of older emulators. */
  sessionClusters?: SessionCluster[];
  tokens: ApiToken[];
  autopilot: [string, AutopilotPolicy][];
  runtimes: [string, Runtime][];
}

interface DataFile {
  format: 'vvp-emulator/v1';
  savedAt: string;
  globalDefaults: DeploymentDefaults;
  namespaces: SavedNamespace[];
}

function serialize(store: Store): DataFile {
  return {
    format: 'vvp-emulator/v1',
    savedAt: new Date().toISOString(),
    globalDefaults: store.globalDefaults,
    namespaces: [...store.namespaces.values()].map((ns) => ({
      namespace: ns.namespace,
      defaults: ns.defaults,
      deployments: [...ns.deployments.all()],
      jobs: [...ns.jobs.values()],
      savepoints: [...ns.savepoints.values()],
      events: [...ns.events.values()].flat(),
      targets: [...ns.targets.values()],
      sessionClusters: [...ns.sessionClusters.values()],
      tokens: [...ns.tokens.values()],
      autopilot: [...ns.autopilot],
      runtimes: [...ns.runtimes],
    })),
  };
}

/** Writes the whole state atomically (temporary file, then rename). */
export function saveStore(store: Store, file: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(serialize(store)));
  renameSync(temporary, file);
}

/** Loads a data file into a new store, or returns undefined when there is none yet. */
export function loadStore(file: string): Store | undefined {
  if (!existsSync(file)) return undefined;
  const data = JSON.parse(readFileSync(file, 'utf8')) as DataFile;
  if (data.format !== 'vvp-emulator/v1') throw new Error(`${file} is not a vvp-emulator data file`);
  const store = new Store(data.globalDefaults);
  for (const saved of data.namespaces) {
    const ns = new NamespaceState(saved.namespace, saved.defaults);
    for (const d of saved.deployments) ns.deployments.put(d);
    for (const j of saved.jobs) ns.putJob(j);
    for (const s of saved.savepoints) ns.putSavepoint(s);
    for (const e of saved.events) ns.addEvent(e);
    for (const t of saved.targets) ns.targets.set(t.metadata.name, t);
    for (const c of saved.sessionClusters ?? []) ns.sessionClusters.set(c.metadata.name, c);
    for (const t of saved.tokens) ns.tokens.set(t.name.replace(/^.*\//, ''), t);
    for (const [id, policy] of saved.autopilot) ns.autopilot.set(id, policy);
    for (const [id, runtime] of saved.runtimes) ns.runtimes.set(id, runtime);
    store.namespaces.set(ns.name, ns);
  }
  return store;
}

/** Coalesces bursts of changes into one write every `delayMs`. */
export class DebouncedSaver {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly save: () => void,
    private readonly delayMs = 250,
  ) {}

  schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.save();
    }, this.delayMs);
  }

  flush(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.save();
  }
}
