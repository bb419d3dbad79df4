// The savepoint settler: finishes a savepointNonce recorded Triggered without a savepoint id (savepoint-nonce.ts
// decides; this module does the platform calls), for the background pass and for a user's retry of the same nonce.

import { type CallOptions, type Deployment, isVvpHttpError, type Savepoint } from '../../vvp/index.js';
import type { NonceRecord } from '../trust/annotations.js';
import type { StorageCore } from './core.js';
import { isPlatformRefusal } from '../errors.js';
import type { PlannedEvent } from '../decide/mapping.js';
import { isPendingTrigger, pendingSavepointStep, savepointTriggerAnnotations } from '../decide/savepoint-nonce.js';
import { kubeTime } from '../decide/time.js';
import type { PlatformWriter } from './writer.js';

export class SavepointSettler {
  readonly graceMs: number;

  constructor(private readonly core: StorageCore, private readonly writer: PlatformWriter) {
    this.graceMs = core.options.pendingSavepointGraceMs ?? 25_000;
  }

  /**
   * Adopts the savepoint of the recorded trigger, or, once overdue, claims the record (a write conditional on the
   * platform resourceVersion, so that one replica wins) and triggers it. Answers whether it settled the record.
   */
  async settle(d: Deployment, savepoints: readonly Savepoint[], opts: CallOptions): Promise<boolean> {
    const core = this.core;
    const parts = core.partsOf(d);
    const record = parts.savepointNonce;
    const step = pendingSavepointStep(record, savepoints, core.now(), this.graceMs);
    if (!record || !step || step.action === 'wait') return false;
    const client = core.client;
    const pns = d.metadata.namespace;
    let current = d;
    let outcome: Partial<NonceRecord>;
    let event: PlannedEvent;
    if (step.action === 'adopt') {
      outcome = { savepointId: step.savepoint.metadata.id };
      event = savepointTriggered(record.nonce, step.savepoint.metadata.id);
    } else {
      const claim = this.writer.recordBody(d, (p) => ({ ...p, savepointNonce: { ...record, attemptAt: kubeTime(core.now()) } }));
      claim.metadata = { ...claim.metadata, name: d.metadata.name, resourceVersion: d.metadata.resourceVersion };
      try {
        current = await client.patchDeployment(pns, d.metadata.id, claim, opts);
      } catch (err) {
        if (isVvpHttpError(err, 409)) return false; // changed meanwhile (another replica's claim): looked at again later
        throw err;
      }
      try {
        const sp = await client.triggerSavepoint(pns, { deploymentId: d.metadata.id, annotations: savepointTriggerAnnotations(record) }, opts);
        outcome = { savepointId: sp.metadata.id };
        event = savepointTriggered(record.nonce, sp.metadata.id);
      } catch (err) {
        // No answer: it may have been taken; adopted, or claimed again, after another grace period.
        if (!isPlatformRefusal(err)) throw err;
        const message = (core.statusError(err, parts.name) as Error).message;
        outcome = { outcome: 'Failed', message };
        event = savepointFailed(record.nonce, message);
      }
    }
    const recorded = await this.writer.patchFresh(current, (fresh) => {
      const now = core.partsOf(fresh).savepointNonce;
      if (!isPendingTrigger(now) || now.nonce !== record.nonce || now.at !== record.at) return undefined;
      const { attemptAt: _claimed, ...settled } = now;
      return this.writer.recordBody(fresh, (p) => ({ ...p, savepointNonce: { ...settled, ...outcome } }));
    }, opts);
    this.writer.emit(core.toObject({ deployment: recorded }, core.partsOf(recorded)), [event], pns, d.metadata.id);
    this.writer.changed(pns, d.metadata.id);
    return true;
  }
}

export function savepointTriggered(nonce: number, savepointId: string): PlannedEvent {
  return { type: 'Normal', reason: 'SavepointTriggered', key: String(nonce), message: `Kubernetes API server triggered savepoint ${savepointId} (savepointNonce=${nonce})` };
}

export function savepointFailed(nonce: number, message: string): PlannedEvent {
  return { type: 'Warning', reason: 'SavepointFailed', key: String(nonce), message: `savepointNonce=${nonce}: ${message}` };
}
