// A new savepointNonce is recorded Triggered in the main platform write and its savepoint POSTed right after. A crash
// (or a lost answer) in between leaves a pending record: Triggered, no savepointId. It is settled later, once:
//   - the platform has the savepoint of that trigger (tagged with the nonce and the record's `at`): adopt it;
//   - else, once the writer cannot still be at it (a grace period from `attemptAt ?? at`): claim the record with a
//     write conditional on the platform resourceVersion (one replica wins), then trigger it and record its id.
// A claim that crashes before its POST is claimed again after another grace period; one that crashes after it is
// adopted, because the savepoint carries the same tags.

import type { Savepoint, StringMap } from '../../vvp/index.js';
import { ANNOTATION, SAVEPOINT_TRIGGER_ANNOTATION, type NonceRecord } from '../trust/annotations.js';

export type PendingSavepointStep =
  | { action: 'adopt'; savepoint: Savepoint }
  | { action: 'trigger' }
  /** The writer may still be at it. */
  | { action: 'wait' };

/** A savepoint nonce recorded Triggered whose savepoint id was never recorded. */
export function isPendingTrigger(record: NonceRecord | undefined): record is NonceRecord {
  return record?.outcome === 'Triggered' && record.savepointId === undefined;
}

/** A pending trigger whose writer (or last claimant) has had `graceMs` to finish. */
export function isOverdueTrigger(record: NonceRecord | undefined, now: Date, graceMs: number): record is NonceRecord {
  if (!isPendingTrigger(record)) return false;
  const since = Date.parse(record.attemptAt ?? record.at);
  return Number.isNaN(since) || now.getTime() - since >= graceMs;
}

/** The tags a savepoint for this record is triggered with. */
export function savepointTriggerAnnotations(record: NonceRecord): StringMap {
  return { [ANNOTATION.savepointNonce]: String(record.nonce), [SAVEPOINT_TRIGGER_ANNOTATION]: record.at };
}

/** The savepoint triggered for exactly this record, if the platform has it. */
export function savepointOfTrigger(record: NonceRecord, savepoints: readonly Savepoint[]): Savepoint | undefined {
  const tags = savepointTriggerAnnotations(record);
  return savepoints.find((s) => Object.entries(tags).every(([key, value]) => s.metadata.annotations?.[key] === value));
}

/** What to do about a pending trigger; undefined when the record is not one. */
export function pendingSavepointStep(record: NonceRecord | undefined, savepoints: readonly Savepoint[], now: Date, graceMs: number): PendingSavepointStep | undefined {
  if (!isPendingTrigger(record)) return undefined;
  const savepoint = savepointOfTrigger(record, savepoints);
  if (savepoint) return { action: 'adopt', savepoint };
  return isOverdueTrigger(record, now, graceMs) ? { action: 'trigger' } : { action: 'wait' };
}
