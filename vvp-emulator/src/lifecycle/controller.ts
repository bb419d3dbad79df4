// The deployment controller: moves each deployment and its job through the platform's states one timed step at a time
// (starting, running, suspending, upgrading, cancelling, failing), takes savepoints and writes events, as the platform's
// own controller does. The client is tested against these transitions, so they follow the vendor's documentation.

import type { Logger } from 'pino';
import { newFlinkJobId, newId, nowIso } from '../ids.js';
import { canonical, clone, type JsonObject } from '../json.js';
import type { NamespaceState, Store } from '../store/store.js';
import { emitEvent, updateDeployment, updateJob, updateSavepoint } from '../store/writes.js';
import type { Timings } from '../timings.js';
import type { Deployment, DeploymentState, Job, Savepoint, SavepointOrigin } from '../types.js';
import { artifactMarkers, attemptFails } from './artifact-markers.js';
import { nextAutopilotParallelism, rescalingAnnotation } from './autopilot.js';
import { newRuntime, type Runtime } from './runtime.js';
import { checkpointDirectory, newSavepoint, savepointDirectory } from './savepoints.js';
import { SessionClusterLifecycle } from './session-clusters.js';

export interface ControllerContext {
  /** The current store (a reset replaces it). */
  store: () => Store;
  timings: () => Timings;
  log: Logger;
  changed: () => void;
}

type StoppingNext = 'CANCELLED' | 'SUSPENDED' | 'RESTART';

/**
 * The emulated AppManager controller: it moves each deployment, one timed step at a time, from its observed
 * state towards `spec.state`, creating jobs and savepoints and appending events as it goes. Only the latest
 * spec is acted upon, as on the platform.
 */
export class Controller {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Session clusters step on their own timers; reset, resume and shutdown reach them through the controller. */
  readonly sessionClusters: SessionClusterLifecycle;

  constructor(private readonly ctx: ControllerContext) {
    this.sessionClusters = new SessionClusterLifecycle(ctx);
  }

  runtime(ns: NamespaceState, deploymentId: string): Runtime {
    let runtime = ns.runtimes.get(deploymentId);
    if (!runtime) ns.runtimes.set(deploymentId, (runtime = newRuntime()));
    return runtime;
  }

  /** A user changed the deployment's spec: a FAILED or FINISHED deployment gets another chance. */
  specChanged(ns: NamespaceState, deployment: Deployment): void {
    const runtime = this.runtime(ns, deployment.metadata.id);
    runtime.halted = false;
    runtime.jobCreationAttempts = 0;
    runtime.savepointAttempts = 0;
    runtime.autopilot = undefined;
    this.kick(ns, deployment.metadata.id);
  }

  /** Have the controller look at a deployment soon (unless a timed step is already pending). */
  kick(ns: NamespaceState, deploymentId: string): void {
    const runtime = this.runtime(ns, deploymentId);
    if (runtime.phase.kind === 'idle') this.schedule(ns.name, deploymentId, this.ctx.timings().reactionMs);
  }

  forget(deploymentId: string): void {
    clearTimeout(this.timers.get(deploymentId));
    this.timers.delete(deploymentId);
  }

  /** After loading a data file: pick every deployment up where it was. */
  resumeAll(): void {
    for (const ns of this.ctx.store().namespaces.values()) {
      for (const savepoint of ns.savepoints.values()) {
        if (savepoint.metadata.origin === 'USER_REQUEST' && savepoint.status.state === 'STARTED') {
          updateSavepoint(ns, savepoint, (s) => {
            s.status = { state: 'FAILED', failure: { message: 'The platform restarted while the savepoint was in progress.', reason: 'PlatformRestarted', failedAt: nowIso() } };
          });
        }
      }
      for (const deployment of ns.deployments.all()) this.schedule(ns.name, deployment.metadata.id, this.ctx.timings().reactionMs);
    }
    this.sessionClusters.resumeAll();
  }

  stopAll(): void {
    this.sessionClusters.stopAll();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(namespace: string, deploymentId: string, delayMs: number): void {
    clearTimeout(this.timers.get(deploymentId));
    const timer = setTimeout(() => {
      this.timers.delete(deploymentId);
      try {
        this.step(namespace, deploymentId);
      } catch (err) {
        this.ctx.log.error({ err, deploymentId }, 'controller step failed');
      }
    }, Math.max(0, delayMs));
    timer.unref();
    this.timers.set(deploymentId, timer);
  }

  private step(namespace: string, deploymentId: string): void {
    const ns = this.ctx.store().namespaces.get(namespace);
    let deployment = ns?.deployments.getById(deploymentId);
    if (!ns || !deployment) return;
    const runtime = this.runtime(ns, deploymentId);
    const now = Date.now();
    const phase = runtime.phase;
    if (phase.kind !== 'idle') {
      if (phase.kind === 'starting' && phase.runningAt !== undefined && now >= phase.runningAt) {
        phase.runningAt = undefined;
        deployment = this.reportRunning(ns, deployment, phase.jobId);
        this.ctx.changed();
      }
      if (now < phase.dueAt) {
        const next = phase.kind === 'starting' && phase.runningAt !== undefined ? phase.runningAt : phase.dueAt;
        return this.schedule(namespace, deploymentId, next - now);
      }
      if (phase.kind === 'starting') this.completeStart(ns, deployment, runtime, phase.jobId);
      else if (phase.kind === 'savepointing') this.completeSavepoint(ns, deployment, runtime, phase.savepointId, phase.purpose);
      else this.completeStop(ns, deployment, runtime, phase.jobId, phase.next);
      this.ctx.changed();
      const after = runtime.phase;
      this.schedule(namespace, deploymentId, after.kind === 'idle' ? this.ctx.timings().reactionMs : (after.kind === 'starting' ? after.runningAt ?? after.dueAt : after.dueAt) - Date.now());
      return;
    }
    this.decide(ns, deployment, runtime, now);
    this.ctx.changed();
    const after = runtime.phase;
    if (after.kind !== 'idle') return this.schedule(namespace, deploymentId, (after.kind === 'starting' ? after.runningAt ?? after.dueAt : after.dueAt) - Date.now());
    const wakeUps = [runtime.jobEnd?.at, runtime.autopilot ? undefined : runtime.autopilotDueAt].filter((t): t is number => t !== undefined);
    if (runtime.activeJobId && wakeUps.length > 0) this.schedule(namespace, deploymentId, Math.min(...wakeUps) - Date.now());
  }

  private decide(ns: NamespaceState, deployment: Deployment, runtime: Runtime, now: number): void {
    if (runtime.halted) return;
    const job = runtime.activeJobId ? ns.jobs.get(runtime.activeJobId) : undefined;
    if (runtime.autopilot?.stage === 'stopping' && !job) return this.resumeAfterRescale(ns, deployment, runtime);
    switch (deployment.spec.state) {
      case 'RUNNING': {
        if (!job) return this.beginStart(ns, deployment, runtime);
        if (runtime.jobEnd && now >= runtime.jobEnd.at) return this.endJob(ns, deployment, runtime, job, runtime.jobEnd.outcome);
        if (canonical(deployment.spec.template) !== runtime.runningTemplate) return this.upgrade(ns, deployment, runtime, job);
        if (this.autopilotActive(ns, deployment) && runtime.autopilotDueAt !== undefined && now >= runtime.autopilotDueAt) {
          return this.rescale(ns, deployment, runtime, job, nextAutopilotParallelism(ns, deployment, runtime));
        }
        return;
      }
      case 'SUSPENDED':
        if (job) return this.beginSavepoint(ns, deployment, runtime, job, 'suspend');
        return this.settle(ns, deployment, 'SUSPENDED');
      case 'CANCELLED':
        if (job) return this.beginStop(ns, deployment, runtime, job, 'CANCELLED');
        return this.settle(ns, deployment, 'CANCELLED');
    }
  }

  /** Asks for an Autopilot rescale of a running job now (admin API, or the ACTIVE policy's schedule). */
  requestRescale(ns: NamespaceState, deployment: Deployment, parallelism: number): boolean {
    const runtime = this.runtime(ns, deployment.metadata.id);
    const job = runtime.activeJobId ? ns.jobs.get(runtime.activeJobId) : undefined;
    if (!job || runtime.phase.kind !== 'idle' || deployment.spec.state !== 'RUNNING' || runtime.halted) return false;
    this.rescale(ns, deployment, runtime, job, parallelism);
    this.ctx.changed();
    const phase = runtime.phase as Runtime['phase'];
    this.schedule(ns.name, deployment.metadata.id, phase.kind === 'idle' ? 0 : phase.dueAt - Date.now());
    return true;
  }

  /** Makes the running job end now (admin API): it FAILS or FINISHES. */
  endRunningJob(ns: NamespaceState, deployment: Deployment, outcome: 'FAILED' | 'FINISHED'): boolean {
    const runtime = this.runtime(ns, deployment.metadata.id);
    const job = runtime.activeJobId ? ns.jobs.get(runtime.activeJobId) : undefined;
    if (!job || runtime.phase.kind !== 'idle') return false;
    this.endJob(ns, deployment, runtime, job, outcome);
    this.ctx.changed();
    return true;
  }

  /**
   * A savepoint a user asked for (POST /savepoints), with the annotations the request gave: STARTED now, COMPLETED or
   * FAILED after `savepointMs`.
   */
  triggerSavepoint(ns: NamespaceState, deployment: Deployment, annotations: Record<string, string> = {}): Savepoint {
    const runtime = this.runtime(ns, deployment.metadata.id);
    const job = runtime.activeJobId ? ns.jobs.get(runtime.activeJobId) : undefined;
    const savepoint = newSavepoint(ns, deployment, job?.metadata.id, 'USER_REQUEST', 'STARTED');
    savepoint.metadata.annotations = { ...savepoint.metadata.annotations, ...annotations };
    ns.putSavepoint(savepoint);
    emitEvent(ns, { deployment, jobId: job?.metadata.id, name: 'SUCCESSFULLY_TRIGGERED_A_SAVEPOINT', message: `Triggered savepoint ${savepoint.metadata.id}.` });
    const timer = setTimeout(() => {
      const current = ns.savepoints.get(savepoint.metadata.id);
      const latest = ns.deployments.getById(deployment.metadata.id);
      if (!current || !latest) return;
      const failures = runtime.faults.savepointFailures ?? artifactMarkers(latest).savepointFailures;
      if (attemptFails(failures, runtime.userSavepointFailures + 1)) {
        runtime.userSavepointFailures++;
        updateSavepoint(ns, current, (s) => {
          s.status = { state: 'FAILED', failure: { message: 'Flink could not complete the savepoint (emulated failure).', reason: 'SavepointFailed', failedAt: nowIso() } };
        });
        emitEvent(ns, { deployment: latest, jobId: job?.metadata.id, name: 'AN_UN_RECOVERABLE_FAILURE_WHILE_TRIGGERING_A_SAVEPOINT', message: `Savepoint ${savepoint.metadata.id} failed.` });
      } else {
        updateSavepoint(ns, current, (s) => {
          s.status = { state: 'COMPLETED' };
          s.spec = { savepointLocation: `${savepointDirectory(latest)}/savepoint-${savepoint.metadata.id.slice(0, 8)}`, flinkSavepointId: newId() };
        });
      }
      this.ctx.changed();
    }, this.ctx.timings().savepointMs + (runtime.faults.extraDelayMs ?? 0));
    timer.unref();
    return savepoint;
  }

  /** Whether the deployment has a job that is up (STARTED) right now. */
  runningJob(ns: NamespaceState, deployment: Deployment): Job | undefined {
    const runtime = this.runtime(ns, deployment.metadata.id);
    const job = runtime.activeJobId ? ns.jobs.get(runtime.activeJobId) : undefined;
    return job?.status.state === 'STARTED' ? job : undefined;
  }

  autopilotChanged(ns: NamespaceState, deployment: Deployment): void {
    const runtime = this.runtime(ns, deployment.metadata.id);
    if (this.autopilotActive(ns, deployment)) {
      runtime.autopilotDueAt = Date.now() + this.ctx.timings().autopilotIntervalMs;
    } else {
      runtime.autopilotDueAt = undefined;
      runtime.runtimeParallelism = undefined;
    }
    this.kick(ns, deployment.metadata.id);
  }

  // ---- starting a job -------------------------------------------------------------------------------

  private beginStart(ns: NamespaceState, deployment: Deployment, runtime: Runtime): void {
    const targetName = deployment.spec.deploymentTargetName;
    const target = targetName
      ? ns.targets.get(targetName)
      : [...ns.targets.values()].find((t) => t.metadata.id === deployment.spec.deploymentTargetId);
    if (!target && !deployment.spec.sessionClusterName) {
      emitEvent(ns, {
        deployment,
        name: 'REFERENCED_DEPLOYMENT_TARGET_DOES_NOT_EXIST',
        message: `Deployment target "${targetName ?? deployment.spec.deploymentTargetId}" does not exist in namespace "${ns.name}".`,
      });
      return this.fail(ns, deployment, runtime);
    }
    let current = deployment;
    if (runtime.jobCreationAttempts === 0 && deployment.status.state !== 'TRANSITIONING') {
      emitEvent(ns, { deployment, name: 'STATE_TRANSITION_IS_NEEDED', message: `Transitioning from ${deployment.status.state} to RUNNING.` });
    }
    if (deployment.status.state !== 'TRANSITIONING') current = this.setState(ns, deployment, 'TRANSITIONING');
    const restore = this.restoreSavepoint(ns, current);
    const now = nowIso();
    const template = clone(current.spec.template.spec) as JsonObject;
    const parallelism = runtime.runtimeParallelism ?? current.spec.template.spec.parallelism ?? 1;
    const job: Job = {
      kind: 'Job',
      apiVersion: 'v1',
      metadata: {
        id: newId(),
        namespace: ns.name,
        deploymentId: current.metadata.id,
        deploymentName: current.metadata.name,
        createdAt: now,
        modifiedAt: now,
        annotations: restore ? { 'com.dataartisans.appmanager.controller.restore.savepoint-id': restore.metadata.id } : {},
        resourceVersion: 1,
      },
      spec: {
        ...template,
        parallelism,
        userFlinkConfiguration: clone(current.spec.template.spec.flinkConfiguration ?? {}),
        deploymentTarget: { kubernetes: { namespace: target?.spec.kubernetes.namespace ?? 'vvp-jobs' } },
        allowNonRestoredState: current.spec.restoreStrategy.allowNonRestoredState ?? false,
        ...(restore?.spec.savepointLocation ? { savepointLocation: restore.spec.savepointLocation } : {}),
      },
      status: { state: 'STARTING' },
    };
    ns.putJob(job);
    runtime.jobCreationAttempts++;
    runtime.activeJobId = job.metadata.id;
    // The template this job runs: a change from now on, even before the job is up, is an upgrade.
    runtime.runningTemplate = canonical(current.spec.template);
    emitEvent(ns, {
      deployment: current,
      jobId: job.metadata.id,
      name: 'CREATING_A_NEW_JOB',
      message: restore
        ? `Creating a new job, restoring state from savepoint ${restore.metadata.id} (${restore.spec.savepointLocation}).`
        : 'Creating a new job without initial state.',
    });
    emitEvent(ns, { deployment: current, jobId: job.metadata.id, name: 'AWAITING_A_JOB_TO_START', message: `Awaiting job ${job.metadata.id} to start.` });
    const dueAt = this.due('jobStartMs', runtime);
    const lead = runtime.faults.runningLeadMs ?? this.ctx.timings().runningLeadMs;
    runtime.phase = { kind: 'starting', jobId: job.metadata.id, dueAt, ...(lead > 0 ? { runningAt: Math.max(Date.now(), dueAt - lead) } : {}) };
  }

  /** The deployment reports RUNNING with its job before the job is STARTED (runningLeadMs): the job starts on its own. */
  private reportRunning(ns: NamespaceState, deployment: Deployment, jobId: string): Deployment {
    return updateDeployment(ns, deployment, (d) => {
      d.status = { state: 'RUNNING', running: { jobId, transitionTime: nowIso(), conditions: [] } };
    });
  }

  private completeStart(ns: NamespaceState, deployment: Deployment, runtime: Runtime, jobId: string): void {
    runtime.phase = { kind: 'idle' };
    const job = ns.jobs.get(jobId);
    if (!job) return;
    const markers = artifactMarkers(deployment);
    const failures = runtime.faults.jobStartFailures ?? markers.jobStartFailures;
    if (attemptFails(failures, runtime.jobCreationAttempts)) {
      const failure = { message: 'Flink job submission failed (emulated failure).', reason: 'JobSubmissionFailed', failedAt: nowIso() };
      updateJob(ns, job, (j) => {
        j.status = { state: 'FAILED', failure };
        j.metadata.terminatedAt = failure.failedAt;
      });
      runtime.activeJobId = undefined;
      emitEvent(ns, {
        deployment,
        jobId,
        name: 'FAILED_CREATING_A_NEW_JOB',
        message: `Failed to create a new job (attempt ${runtime.jobCreationAttempts} of ${deployment.spec.maxJobCreationAttempts}).`,
      });
      if (runtime.jobCreationAttempts >= deployment.spec.maxJobCreationAttempts) {
        emitEvent(ns, { deployment, jobId, name: 'TOO_MANY_FAILED_JOB_CREATION_ATTEMPTS', message: `Job creation failed ${runtime.jobCreationAttempts} times.` });
        emitEvent(ns, {
          deployment,
          jobId,
          name: 'TRANSITIONING_TO_FAILED_STATE_BECAUSE_JOB_NOT_STARTED',
          message: 'Transitioning to FAILED because the job did not start.',
        });
        this.fail(ns, deployment, runtime);
      }
      return;
    }
    const startedAt = nowIso();
    updateJob(ns, job, (j) => {
      j.status = {
        state: 'STARTED',
        started: { flinkJobId: newFlinkJobId(), startedAt, lastUpdateTime: startedAt, observedFlinkJobStatus: 'RUNNING', observedFlinkJobRestarts: 0 },
      };
    });
    runtime.jobCreationAttempts = 0;
    const endsAfter = runtime.faults.jobFailsAfterMs ?? (markers.failsWhileRunning ? this.ctx.timings().jobFailMs : undefined);
    const finishesAfter = runtime.faults.jobFinishesAfterMs ?? (markers.finite ? this.ctx.timings().jobFinishMs : undefined);
    runtime.jobEnd =
      endsAfter !== undefined
        ? { at: Date.now() + endsAfter, outcome: 'FAILED' }
        : finishesAfter !== undefined
          ? { at: Date.now() + finishesAfter, outcome: 'FINISHED' }
          : undefined;
    const rescaled = runtime.autopilot !== undefined;
    runtime.autopilot = undefined;
    if (this.autopilotActive(ns, deployment)) runtime.autopilotDueAt = Date.now() + this.ctx.timings().autopilotIntervalMs;
    emitEvent(ns, { deployment, jobId, name: 'JOB_SUCCESSFULLY_STARTED', message: `Job ${jobId} successfully started.` });
    emitEvent(ns, { deployment, jobId, name: 'STATE_TRANSITION_IS_COMPLETED', message: 'Transition to RUNNING is completed.' });
    // Reported RUNNING already (runningLeadMs): the job starts without a write of the deployment.
    if (deployment.status.state === 'RUNNING' && deployment.status.running?.jobId === jobId && !rescaled) return;
    updateDeployment(ns, deployment, (d) => {
      d.status = { state: 'RUNNING', running: { jobId, transitionTime: nowIso(), conditions: [] } };
      if (rescaled) delete d.metadata.annotations[rescalingAnnotation];
    });
  }

  // ---- savepoints before suspension or a stateful upgrade ---------------------------------------------

  private beginSavepoint(ns: NamespaceState, deployment: Deployment, runtime: Runtime, job: Job, purpose: 'suspend' | 'upgrade'): void {
    if (!savepointDirectory(deployment)) {
      emitEvent(ns, {
        deployment,
        jobId: job.metadata.id,
        name: 'JOB_IS_NOT_CONFIGURED_WITH_SAVEPOINT_SUPPORT',
        message: 'The job has no savepoint directory (flinkConfiguration "state.savepoints.dir"); cannot take a savepoint.',
      });
      return this.fail(ns, deployment, runtime);
    }
    let current = deployment;
    if (deployment.status.state !== 'TRANSITIONING') {
      emitEvent(ns, {
        deployment,
        name: 'STATE_TRANSITION_IS_NEEDED',
        message: purpose === 'suspend' ? `Transitioning from ${deployment.status.state} to SUSPENDED.` : 'The deployment template changed: upgrading.',
      });
      current = this.setState(ns, deployment, 'TRANSITIONING');
    }
    const origin: SavepointOrigin = purpose === 'suspend' ? 'SUSPEND' : 'SUSPEND_AND_UPGRADE';
    const savepoint = newSavepoint(ns, current, job.metadata.id, origin, 'STARTED');
    ns.putSavepoint(savepoint);
    runtime.savepointAttempts++;
    emitEvent(ns, {
      deployment: current,
      jobId: job.metadata.id,
      name: 'CREATING_A_SAVEPOINT_BEFORE_SUSPENSION',
      message: `Creating savepoint ${savepoint.metadata.id} (origin ${origin}, attempt ${runtime.savepointAttempts} of ${current.spec.maxSavepointCreationAttempts}).`,
    });
    emitEvent(ns, {
      deployment: current,
      jobId: job.metadata.id,
      name: 'AWAITING_SAVEPOINT_COMPLETION_TO_TRANSITION_TO_SUSPENDED',
      message: `Awaiting completion of savepoint ${savepoint.metadata.id}.`,
    });
    runtime.phase = { kind: 'savepointing', savepointId: savepoint.metadata.id, jobId: job.metadata.id, purpose, dueAt: this.due('savepointMs', runtime) };
  }

  private completeSavepoint(ns: NamespaceState, deployment: Deployment, runtime: Runtime, savepointId: string, purpose: 'suspend' | 'upgrade'): void {
    runtime.phase = { kind: 'idle' };
    const savepoint = ns.savepoints.get(savepointId);
    const job = runtime.activeJobId ? ns.jobs.get(runtime.activeJobId) : undefined;
    if (!savepoint || !job) return;
    const failures = runtime.faults.savepointFailures ?? artifactMarkers(deployment).savepointFailures;
    if (attemptFails(failures, runtime.savepointAttempts)) {
      const failure = { message: 'Flink could not complete the savepoint (emulated failure).', reason: 'SavepointFailed', failedAt: nowIso() };
      updateSavepoint(ns, savepoint, (s) => {
        s.status = { state: 'FAILED', failure };
      });
      emitEvent(ns, {
        deployment,
        jobId: job.metadata.id,
        name: 'AN_UNRECOVERABLE_FAILURE_WHILE_TAKING_A_SAVEPOINT',
        message: `Savepoint ${savepointId} failed (attempt ${runtime.savepointAttempts} of ${deployment.spec.maxSavepointCreationAttempts}).`,
      });
      if (runtime.savepointAttempts >= deployment.spec.maxSavepointCreationAttempts) {
        emitEvent(ns, { deployment, jobId: job.metadata.id, name: 'TOO_MANY_FAILED_SUSPENSION_ATTEMPTS', message: `Savepoint creation failed ${runtime.savepointAttempts} times.` });
        emitEvent(ns, {
          deployment,
          jobId: job.metadata.id,
          name: 'TRANSITIONING_TO_FAILED_STATE_BECAUSE_SAVEPOINT_FAILED_IN_FLINK',
          message: 'Transitioning to FAILED because the savepoint failed in Flink; the job keeps running.',
        });
        this.fail(ns, deployment, runtime);
      }
      return;
    }
    updateSavepoint(ns, savepoint, (s) => {
      s.status = { state: 'COMPLETED' };
      s.spec = { savepointLocation: `${savepointDirectory(deployment)}/savepoint-${savepointId.slice(0, 8)}`, flinkSavepointId: newId() };
    });
    runtime.savepointAttempts = 0;
    emitEvent(ns, {
      deployment,
      jobId: job.metadata.id,
      name: 'FOUND_A_COMPLETED_SAVEPOINT_READY_FOR_SUSPENSION',
      message: `Savepoint ${savepointId} completed.`,
    });
    this.beginStop(ns, deployment, runtime, job, purpose === 'suspend' ? 'SUSPENDED' : 'RESTART');
  }

  // ---- stopping a job --------------------------------------------------------------------------------

  private beginStop(ns: NamespaceState, deployment: Deployment, runtime: Runtime, job: Job, next: StoppingNext): void {
    let current = deployment;
    if (deployment.status.state !== 'TRANSITIONING') {
      emitEvent(ns, { deployment, name: 'STATE_TRANSITION_IS_NEEDED', message: `Transitioning from ${deployment.status.state} to ${next === 'RESTART' ? 'RUNNING' : next}.` });
      current = this.setState(ns, deployment, 'TRANSITIONING');
    }
    emitEvent(ns, {
      deployment: current,
      jobId: job.metadata.id,
      name: next === 'RESTART' ? 'FOUND_AN_OLD_JOB_AND_WILL_TERMINATE_IT' : 'FOUND_A_JOB_TO_TERMINATE',
      message: `Terminating job ${job.metadata.id}.`,
    });
    updateJob(ns, job, (j) => {
      j.status.state = 'TERMINATING';
    });
    emitEvent(ns, { deployment: current, jobId: job.metadata.id, name: 'AWAITING_A_JOB_TO_TERMINATE', message: `Awaiting job ${job.metadata.id} to terminate.` });
    runtime.jobEnd = undefined;
    runtime.phase = { kind: 'stopping', jobId: job.metadata.id, next, dueAt: this.due('jobStopMs', runtime) };
  }

  private completeStop(ns: NamespaceState, deployment: Deployment, runtime: Runtime, jobId: string, next: StoppingNext): void {
    runtime.phase = { kind: 'idle' };
    const job = ns.jobs.get(jobId);
    if (job) {
      updateJob(ns, job, (j) => {
        j.status.state = 'TERMINATED';
        j.metadata.terminatedAt = nowIso();
      });
    }
    runtime.activeJobId = undefined;
    runtime.runningTemplate = undefined;
    if (next === 'RESTART') {
      updateDeployment(ns, deployment, (d) => {
        delete d.status.running;
      });
      return;
    }
    emitEvent(ns, { deployment, jobId, name: 'STATE_TRANSITION_IS_COMPLETED', message: `Transition to ${next} is completed.` });
    updateDeployment(ns, deployment, (d) => {
      d.status = { state: next };
    });
  }

  // ---- the rest of the life of a deployment ----------------------------------------------------------

  private upgrade(ns: NamespaceState, deployment: Deployment, runtime: Runtime, job: Job): void {
    const strategy = deployment.spec.upgradeStrategy.kind;
    if (strategy === 'NONE') return;
    emitEvent(ns, { deployment, name: 'STATE_TRANSITION_IS_NEEDED', message: 'The deployment template changed: upgrading the running job.' });
    const transitioning = this.setState(ns, deployment, 'TRANSITIONING');
    emitEvent(ns, {
      deployment: transitioning,
      jobId: job.metadata.id,
      name: 'USING_AN_UPGRADE_STRATEGY',
      message: `Upgrading with strategy ${strategy}.`,
    });
    if (strategy === 'STATEFUL') return this.beginSavepoint(ns, transitioning, runtime, job, 'upgrade');
    return this.beginStop(ns, transitioning, runtime, job, 'RESTART');
  }

  private endJob(ns: NamespaceState, deployment: Deployment, runtime: Runtime, job: Job, outcome: 'FAILED' | 'FINISHED'): void {
    const at = nowIso();
    updateJob(ns, job, (j) => {
      j.status =
        outcome === 'FINISHED'
          ? { ...j.status, state: 'FINISHED' }
          : { ...j.status, state: 'FAILED', failure: { message: 'The Flink job failed (emulated failure).', reason: 'FlinkJobFailed', failedAt: at } };
      j.metadata.terminatedAt = at;
    });
    runtime.activeJobId = undefined;
    runtime.runningTemplate = undefined;
    runtime.jobEnd = undefined;
    runtime.halted = true;
    if (outcome === 'FINISHED') {
      emitEvent(ns, { deployment, jobId: job.metadata.id, name: 'JOB_SUCCESSFULLY_FINISHED', message: `Job ${job.metadata.id} finished.` });
      emitEvent(ns, { deployment, jobId: job.metadata.id, name: 'TRANSITIONED_TO_FINISHED_STATE', message: 'The deployment is FINISHED.' });
    } else {
      emitEvent(ns, {
        deployment,
        jobId: job.metadata.id,
        name: 'TERMINATING_A_JOB_DUE_TO_AN_UNRECOVERABLE_FAILURE',
        message: `Job ${job.metadata.id} failed with an unrecoverable failure.`,
      });
    }
    updateDeployment(ns, deployment, (d) => {
      d.status = { state: outcome };
    });
  }

  /** The VVP 3 Autopilot dance: RUNNING → CANCELLED → (job STARTING) → RUNNING, at a new runtime parallelism. */
  private rescale(ns: NamespaceState, deployment: Deployment, runtime: Runtime, job: Job, parallelism: number): void {
    runtime.autopilot = { targetParallelism: parallelism, stage: 'stopping' };
    runtime.runtimeParallelism = parallelism;
    runtime.autopilotDueAt = undefined;
    emitEvent(ns, {
      deployment,
      jobId: job.metadata.id,
      name: 'EXTERNAL',
      message: `Autopilot is rescaling the job to parallelism ${parallelism}.`,
      type: 'Normal',
    });
    const checkpoint = newSavepoint(ns, deployment, job.metadata.id, 'RETAINED_CHECKPOINT', 'COMPLETED');
    checkpoint.spec = { savepointLocation: `${checkpointDirectory(deployment)}/chk-${checkpoint.metadata.id.slice(0, 8)}`, flinkSavepointId: newId() };
    ns.putSavepoint(checkpoint);
    const cancelled = updateDeployment(ns, deployment, (d) => {
      d.spec.state = 'CANCELLED';
      d.metadata.annotations[rescalingAnnotation] = String(parallelism);
    });
    this.beginStop(ns, cancelled, runtime, job, 'CANCELLED');
  }

  private resumeAfterRescale(ns: NamespaceState, deployment: Deployment, runtime: Runtime): void {
    if (runtime.autopilot) runtime.autopilot.stage = 'starting';
    const running = updateDeployment(ns, deployment, (d) => {
      d.spec.state = 'RUNNING';
    });
    this.beginStart(ns, running, runtime);
  }

  // ---- helpers ---------------------------------------------------------------------------------------

  private settle(ns: NamespaceState, deployment: Deployment, state: 'CANCELLED' | 'SUSPENDED'): void {
    if (deployment.status.state === state) return;
    if (state === 'SUSPENDED' && deployment.status.state !== 'CANCELLED') {
      emitEvent(ns, { deployment, name: 'COULD_NOT_FIND_A_JOB_TO_SUSPEND', message: 'There is no running job to suspend.' });
    }
    emitEvent(ns, { deployment, name: 'STATE_TRANSITION_IS_COMPLETED', message: `Transition to ${state} is completed.` });
    this.setState(ns, deployment, state);
  }

  private fail(ns: NamespaceState, deployment: Deployment, runtime: Runtime): void {
    runtime.halted = true;
    runtime.jobCreationAttempts = 0;
    runtime.savepointAttempts = 0;
    runtime.autopilot = undefined;
    const current = ns.deployments.getById(deployment.metadata.id) ?? deployment;
    updateDeployment(ns, current, (d) => {
      d.status = { state: 'FAILED', ...(d.status.running && runtime.activeJobId ? { running: d.status.running } : {}) };
    });
  }

  private setState(ns: NamespaceState, deployment: Deployment, state: DeploymentState): Deployment {
    return updateDeployment(ns, deployment, (d) => {
      d.status.state = state;
      if (state !== 'RUNNING' && state !== 'TRANSITIONING') delete d.status.running;
    });
  }

  private restoreSavepoint(ns: NamespaceState, deployment: Deployment): Savepoint | undefined {
    const kind = deployment.spec.restoreStrategy.kind;
    if (kind === 'NONE') return undefined;
    const candidates = ns
      .savepointsOf(deployment.metadata.id)
      .filter((s) => s.status.state === 'COMPLETED' && s.spec.savepointLocation && (kind === 'LATEST_STATE' || s.metadata.origin !== 'RETAINED_CHECKPOINT'));
    return candidates.at(-1);
  }

  private autopilotActive(ns: NamespaceState, deployment: Deployment): boolean {
    return ns.autopilot.get(deployment.metadata.id)?.mode === 'AUTOPILOT_MODE_ACTIVE';
  }

  private due(step: 'jobStartMs' | 'jobStopMs' | 'savepointMs', runtime: Runtime): number {
    return Date.now() + this.ctx.timings()[step] + (runtime.faults.extraDelayMs ?? 0);
  }
}
