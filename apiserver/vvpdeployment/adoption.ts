// Adoption from Ververica's own operator: a way in for a team whose platform deployments that operator created.
// Opt-in twice: the server lists the previous operator instances it may take over from (adoptFrom, each with that
// instance's token, the only one the platform lets release its write protection), and the object says which one
// it adopts from (annotation ververica.platform/adopt-from). Then the first create of the object whose platform
// deployment carries that instance's mark takes it over in two writes: the previous instance's token removes its
// mark, this server's token writes its signed record and its own mark. Nothing else changes: the deployment id,
// its job (a RUNNING job keeps running), savepoints and state stay. A deployment made by hand, or by an instance
// not listed, stays unclaimable (409).
//
// The vendor's real mark is not documented; the emulator's, and the default here, is the label
// ververica.platform/managed-by: <instanceId> (the `markLabel` setting changes it).

import type { Deployment } from '../vvp/index.js';
import { MANAGED_BY_LABEL } from './annotations.js';
import type { VvpDeployment } from './types.js';

/** The object's own intent: the previous operator instance whose deployment it adopts. */
export const ADOPT_FROM_ANNOTATION = 'ververica.platform/adopt-from';

export interface AdoptionSource {
  /** The previous operator's instance id, as its mark on the platform deployments names it. */
  instanceId: string;
  /** That instance's platform token (it alone may remove the instance's write protection). */
  token(): string | undefined;
  /** The label marking the instance's deployments; default ververica.platform/managed-by. */
  markLabel?: string;
}

/** The source to adopt `d` from for `obj`, or undefined when `d` may not be adopted (then the name is just taken). */
export function adoptionSource(d: Deployment, obj: Pick<VvpDeployment, 'metadata'>, sources: readonly AdoptionSource[]): AdoptionSource | undefined {
  const wanted = obj.metadata.annotations?.[ADOPT_FROM_ANNOTATION];
  if (wanted === undefined) return undefined;
  const source = sources.find((s) => s.instanceId === wanted);
  if (!source) return undefined;
  return d.metadata.labels?.[source.markLabel ?? MANAGED_BY_LABEL] === wanted ? source : undefined;
}
