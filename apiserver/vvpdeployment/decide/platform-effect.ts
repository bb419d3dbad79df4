// What a write will do to the running job, said in one sentence before it happens (a server-side dry run) and when it
// happens (the real write: a Warning on the answer and an Event). Every schema check tells whether a change is
// valid; none tells whether the platform will take a savepoint and restart the job, restart it without state, cancel
// it, or only store metadata. The sentence is decided here, purely, from the live platform deployment (desired and
// observed state, its job, upgrade and restore strategy, its savepoints, Autopilot) and the platform spec the write
// leaves behind, following what the platform does (the emulator's lifecycle, vvp-emulator/src/lifecycle/controller.ts):
// only a template change upgrades a running job, by upgradeStrategy (STATEFUL: savepoint, stop, start from it;
// STATELESS: stop, start per restoreStrategy; NONE: nothing); a start restores the newest COMPLETED savepoint its
// restoreStrategy admits (LATEST_SAVEPOINT: not a retained checkpoint; NONE: nothing); SUSPENDED stops with a
// savepoint, CANCELLED without; any spec change gives a FAILED or FINISHED deployment another start.

import type { DeploymentSpec, Job, Savepoint } from '../../vvp/index.js';
import { deepEqual, deepMerge } from './json.js';
import type { UpdatePlan } from './mapping.js';
import { childObjectName } from '../instance/owned-children.js';
import { newestFirst, type PlatformView } from '../read/platform-view.js';

export const EFFECT_PREFIX = 'platform effect: ';

/**
 * The Event of a real write: the sentence, with the prefix by which the event mirror knows the server's own events
 * on the platform's list (events.ts shouldMirror).
 */
export function effectEventMessage(effect: string): string {
  return `Kubernetes API server wrote the platform deployment: ${effect}`;
}

/** What else the write does beside the platform spec it leaves: the nonces it acts on. */
export interface EffectCauses {
  restartNonce?: number;
  savepointNonce?: number;
  /** A restore in one step (restore-nonce.ts): the job restarts without a savepoint, from this one. */
  restore?: { nonce: number; savepointName: string };
  /** Why a nonce of this write is not acted on (RestartBlocked, SavepointBlocked…). */
  blocked?: string[];
  /** Autopilot is rescaling and keeps the platform's state: the desired RUNNING was not written. */
  autopilotHoldsState?: boolean;
}

export interface EffectInput {
  /** The live platform deployment, its latest job, savepoints and Autopilot state. */
  before: PlatformView;
  /** The platform deployment's spec once the write is done. */
  after: DeploymentSpec;
  /** The Kubernetes name of the VvpDeployment: savepoints and jobs are named after it (vvpsavepoints, vvpjobs). */
  objectName: string;
  causes?: EffectCauses;
}

const ACTIVE_JOB_STATES = new Set(['STARTING', 'STARTED', 'STANDBY']);

/** The job the platform runs (or is starting) now. */
export function activeJob(view: PlatformView): Job | undefined {
  const job = view.job;
  return job && ACTIVE_JOB_STATES.has(job.status?.state ?? '') ? job : undefined;
}

/** The first 8 characters of a platform id, as git shortens hashes. Sentences are ASCII: they travel in Warning headers. */
export function shortId(id: string): string {
  return id.slice(0, 8);
}

/** The savepoint a new job would start from, as the platform picks it. */
export function restoredSavepoint(savepoints: readonly Savepoint[] | undefined, restoreKind: string): Savepoint | undefined {
  if (restoreKind === 'NONE') return undefined;
  return newestFirst(savepoints ?? []).find((s) => s.status?.state === 'COMPLETED' && s.spec?.savepointLocation
    && (restoreKind !== 'LATEST_SAVEPOINT' || s.metadata.origin !== 'RETAINED_CHECKPOINT'));
}

function restoreKindOf(spec: DeploymentSpec): string {
  return spec.restoreStrategy?.kind ?? 'LATEST_STATE';
}

/** "from savepoint x (restoreStrategy K)" / "without state (…)": how a new job starts. */
function startsFrom(input: EffectInput): string {
  const kind = restoreKindOf(input.after);
  if (kind === 'NONE') return 'without state (restoreStrategy NONE)';
  const sp = restoredSavepoint(input.before.savepoints, kind);
  if (!sp) return `without state (no savepoint to restore; restoreStrategy ${kind})`;
  return `from savepoint ${childObjectName(input.objectName, sp.metadata.id)} (restoreStrategy ${kind})`;
}

function jobRef(job: Job): string {
  return `job ${shortId(job.metadata.id)}`;
}

function nonceSuffix(causes: EffectCauses | undefined): string {
  return causes?.restartNonce === undefined ? '' : `restartNonce=${causes.restartNonce}, `;
}

/** A running job whose template changes: what its upgradeStrategy makes of it. */
function upgrade(input: EffectInput, job: Job): string {
  const strategy = input.after.upgradeStrategy?.kind ?? 'STATEFUL';
  const why = nonceSuffix(input.causes);
  const kind = restoreKindOf(input.after);
  if (strategy === 'NONE') {
    return `none on the job: upgradeStrategy NONE leaves ${jobRef(job)} running as it is (the change applies at its next start)`;
  }
  if (strategy === 'STATELESS') {
    return `restarts ${jobRef(job)} without a savepoint (${why}upgradeStrategy STATELESS); the new job starts ${startsFrom(input)}`;
  }
  const tail = kind === 'NONE' ? '; the new job starts without state (restoreStrategy NONE)' : '';
  return `restarts ${jobRef(job)} with a savepoint (${why}upgradeStrategy STATEFUL)${tail}`;
}

function whenRunning(input: EffectInput, job: Job | undefined): string {
  const d = input.before.deployment;
  const observed = d.status?.state;
  if (!job) {
    const retry = observed === 'FAILED' || observed === 'FINISHED' ? ` (the ${observed} deployment is started again)` : '';
    return `starts a job ${startsFrom(input)}${retry}`;
  }
  if (d.spec.state !== 'RUNNING') return `starts a job ${startsFrom(input)}`;
  if (!deepEqual(d.spec.template ?? {}, input.after.template ?? {})) return upgrade(input, job);
  return `none on the job (no template change: ${jobRef(job)} keeps running as it is)`;
}

function whenStopping(input: EffectInput, job: Job | undefined, target: 'CANCELLED' | 'SUSPENDED'): string {
  const d = input.before.deployment;
  if (job && d.spec.state === 'RUNNING') {
    return target === 'CANCELLED' ? `cancels ${jobRef(job)} without a savepoint` : `suspends ${jobRef(job)} with a savepoint`;
  }
  if (job) return `stops ${jobRef(job)} (${target})`;
  const becomes = d.status?.state === target ? '' : `; the deployment becomes ${target}`;
  return `none on the job (no job is running${becomes})`;
}

/** Autopilot ACTIVE and the template's parallelism changes: the platform may not keep it. */
function autopilotNote(input: EffectInput): string | undefined {
  const ap = input.before.autopilot;
  if (ap?.mode !== 'AUTOPILOT_MODE_ACTIVE') return undefined;
  const from = input.before.deployment.spec.template?.spec?.parallelism;
  const to = input.after.template?.spec?.parallelism;
  if (from === to || to === undefined) return undefined;
  const runs = ap.runtimeParallelism !== undefined && ap.runtimeParallelism !== to ? ` (it runs the job at ${ap.runtimeParallelism})` : '';
  return `parallelism ${from ?? 'unset'} -> ${to}, but Autopilot (ACTIVE) may change it again${runs}`;
}

function restoreEffect(input: EffectInput, job: Job | undefined, restore: NonNullable<EffectCauses['restore']>): string {
  const what = `savepoint ${restore.savepointName} (restoreNonce=${restore.nonce})`;
  const d = input.before.deployment;
  if (input.after.state !== 'RUNNING') return `none on the job now; the next start restores ${what}`;
  if (job && d.spec.state === 'RUNNING') return `restarts ${jobRef(job)} without a savepoint, restoring ${what}`;
  return `starts a job restoring ${what}`;
}

/** The one sentence: `platform effect: …`. */
export function platformEffect(input: EffectInput): string {
  const { before, after, causes } = input;
  const job = activeJob(before);
  const notes: string[] = [];
  let main: string;
  if (causes?.restore) {
    main = restoreEffect(input, job, causes.restore);
  } else if (deepEqual(before.deployment.spec, after)) {
    main = 'none on the job (metadata only)';
  } else if (after.state === 'CANCELLED' || after.state === 'SUSPENDED') {
    main = whenStopping(input, job, after.state);
  } else {
    main = whenRunning(input, job);
  }
  if (causes?.autopilotHoldsState) notes.push('Autopilot (ACTIVE) is rescaling the job: the desired state RUNNING is left to it');
  const autopilot = autopilotNote(input);
  if (autopilot) notes.push(autopilot);
  if (causes?.savepointNonce !== undefined) notes.push(`takes a savepoint${job ? ` of ${jobRef(job)}` : ''} (savepointNonce=${causes.savepointNonce})`);
  for (const blocked of causes?.blocked ?? []) notes.push(blocked);
  return `${EFFECT_PREFIX}${[main, ...notes].join('; ')}`;
}

/** The causes of a planned update (mapping.ts planUpdate): the nonces it acts on and those it does not. */
export function planCauses(plan: UpdatePlan, restartNonceBefore: number | undefined, autopilotHolds: boolean): EffectCauses {
  const causes: EffectCauses = {};
  const restart = plan.parts.restartNonce;
  if (restart && restart.outcome === 'Triggered' && restart.nonce !== restartNonceBefore) causes.restartNonce = restart.nonce;
  if (plan.triggerSavepoint !== undefined) causes.savepointNonce = plan.triggerSavepoint;
  const blocked = plan.events.filter((e) => e.type === 'Warning' && /Blocked$/.test(e.reason)).map((e) => e.message);
  if (blocked.length) causes.blocked = blocked;
  if (autopilotHolds && plan.projected) causes.autopilotHoldsState = true;
  return causes;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The paths `previous` has and `next` does not (objects compared key by key). */
function removedPaths(previous: unknown, next: unknown, path: string[] = []): string[][] {
  if (!isObject(previous)) return [];
  return Object.keys(previous).flatMap((key) => {
    if (!isObject(next) || next[key] === undefined) return [[...path, key]];
    return removedPaths(previous[key], next[key], [...path, key]);
  });
}

function removePath(target: Record<string, unknown>, path: string[]): void {
  const [head, ...rest] = path;
  if (head === undefined || !(head in target)) return;
  if (rest.length === 0) {
    delete target[head];
    return;
  }
  const next = target[head];
  if (isObject(next)) removePath(next, rest);
}

/**
 * The platform spec a planned write leaves. PATCH merges; PUT replaces, and the platform fills what the definition
 * omits from its defaults, which are not known here: a field the user's previous definition had and this one drops is
 * taken as changed (reset), the platform's other values as kept.
 */
export function specAfter(before: DeploymentSpec, plan: UpdatePlan, previousDefinition: unknown): DeploymentSpec {
  const body = plan.body?.spec;
  if (!body) return before;
  const after = deepMerge(before, body);
  if (plan.method === 'PUT') {
    for (const path of removedPaths(previousDefinition, body)) removePath(after, path);
  }
  return after;
}
