// Identifiers and timestamps in the platform's own forms (UUIDs for resources, 32 hex digits for Flink job ids).

import { randomBytes, randomUUID } from 'node:crypto';

export const newId = (): string => randomUUID();

/** Flink job ids are 32 hex characters. */
export const newFlinkJobId = (): string => randomBytes(16).toString('hex');

export const nowIso = (): string => new Date().toISOString();

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string): boolean => uuidPattern.test(value);
