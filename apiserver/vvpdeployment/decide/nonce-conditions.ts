// NonceAligned: whether the savepoint and restart nonces of the spec have been acted on, from the nonce records the
// server keeps on the platform deployment and what the platform shows (the savepoint tagged with the nonce, a new
// job after a restart). The worst of the two decides the condition; each keeps the platform time it holds since.

import { RESTART_ANNOTATION, type KubeParts, type NonceRecord } from '../trust/annotations.js';
import type { Verdict } from './conditions.js';
import { savepointForNonce, type PlatformView } from '../read/platform-view.js';
import { restoreVerdict } from './restore-nonce.js';
import { latestTime } from './time.js';

interface NonceVerdict extends Verdict {
  /** Lower is worse; the worst nonce decides the condition. */
  rank: number;
}

function ok(since: string | undefined): NonceVerdict {
  return { status: 'True', reason: 'NoncesProcessed', message: '', since, rank: 9 };
}

function nonceNotActed(what: string, desired: number, view: PlatformView): NonceVerdict {
  return {
    status: 'False', reason: `${what}Pending`, message: `${what.toLowerCase()}Nonce=${desired} has not been acted on yet`,
    since: view.deployment.metadata.modifiedAt, rank: 3,
  };
}

function savepointNonce(view: PlatformView, parts: KubeParts): NonceVerdict {
  const desired = parts.spec.savepointNonce;
  const rec: NonceRecord | undefined = parts.savepointNonce;
  if (desired === undefined) return ok(undefined);
  if (!rec || rec.nonce !== desired) return nonceNotActed('Savepoint', desired, view);
  const n = `savepointNonce=${rec.nonce}`;
  switch (rec.outcome) {
    case 'Initial': return ok(rec.at);
    case 'Blocked': return { status: 'False', reason: 'SavepointBlocked', message: `${n}: ${rec.message ?? 'blocked'}`, since: rec.at, rank: 1 };
    case 'Failed': return { status: 'False', reason: 'SavepointTriggerFailed', message: `${n}: the platform refused the savepoint: ${rec.message ?? ''}`, since: rec.at, rank: 0 };
    case 'Triggered': break;
  }
  const sp = savepointForNonce(view, rec.nonce, rec.savepointId);
  const spState = sp?.status?.state;
  if (sp && spState === 'COMPLETED') {
    const r = ok(sp.metadata.modifiedAt ?? rec.at);
    r.message = `${n}: savepoint ${sp.metadata.id} COMPLETED`;
    return r;
  }
  if (sp && spState === 'FAILED') {
    const why = sp.status?.failure?.message ? `: ${sp.status.failure.message}` : '';
    return { status: 'False', reason: 'SavepointFailed', message: `${n}: savepoint ${sp.metadata.id} FAILED${why}`, since: sp.metadata.modifiedAt ?? rec.at, rank: 0 };
  }
  return {
    status: 'False', reason: 'SavepointInProgress',
    message: sp ? `${n}: savepoint ${sp.metadata.id} is ${spState ?? 'pending'}` : `${n}: waiting for the platform to show the savepoint`,
    since: rec.at, rank: 2,
  };
}

function restartNonce(view: PlatformView, parts: KubeParts): NonceVerdict {
  const desired = parts.spec.restartNonce;
  const rec = parts.restartNonce;
  if (desired === undefined) return ok(undefined);
  if (!rec || rec.nonce !== desired) return nonceNotActed('Restart', desired, view);
  const n = `restartNonce=${rec.nonce}`;
  switch (rec.outcome) {
    case 'Initial': return ok(rec.at);
    case 'Blocked': return { status: 'False', reason: 'RestartBlocked', message: `${n}: ${rec.message ?? 'blocked'}`, since: rec.at, rank: 1 };
    case 'Failed': return { status: 'False', reason: 'RestartFailed', message: `${n}: ${rec.message ?? 'the platform refused the restart'}`, since: rec.at, rank: 0 };
    case 'Triggered': break;
  }
  const job = view.job;
  const d = view.deployment;
  const marked = d.spec.template?.metadata?.annotations?.[RESTART_ANNOTATION] === String(rec.nonce);
  const newJob = job !== undefined && (rec.fromJobId === undefined ? Date.parse(job.metadata.createdAt ?? '') >= Date.parse(rec.at) : job.metadata.id !== rec.fromJobId);
  // Done once a new job has started; it stays done when that job later stops (a suspension, a cancellation).
  if (marked && newJob && (job?.status?.started !== undefined || job?.status?.state === 'STARTED')) {
    const r = ok(job.status?.started?.startedAt ?? job.metadata.createdAt);
    r.message = `${n}: job ${job.metadata.id} started`;
    return r;
  }
  if (d.status?.state === 'FAILED' || (newJob && job?.status?.state === 'FAILED')) {
    return { status: 'False', reason: 'RestartFailed', message: `${n}: the deployment FAILED during the restart`, since: d.metadata.modifiedAt, rank: 0 };
  }
  return { status: 'False', reason: 'RestartInProgress', message: `${n}: waiting for a new job to start`, since: rec.at, rank: 2 };
}

export function nonceAligned(view: PlatformView, parts: KubeParts): Verdict {
  const verdicts = [savepointNonce(view, parts), restartNonce(view, parts), restoreVerdict(view, parts.spec.restoreNonce, parts.restore)];
  const bad = verdicts.filter((v) => v.status !== 'True');
  const worst = [...bad].sort((a, b) => a.rank - b.rank)[0];
  if (worst) {
    return { status: 'False', reason: worst.reason, message: bad.map((v) => v.message).join('; '), since: worst.since };
  }
  const done = verdicts.map((v) => v.message).filter(Boolean);
  return {
    status: 'True', reason: 'NoncesProcessed',
    message: done.length ? done.join('; ') : 'every nonce has been acted on',
    since: latestTime(...verdicts.map((v) => v.since)),
  };
}
