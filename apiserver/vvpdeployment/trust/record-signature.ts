// The Kubernetes record on a platform deployment (annotations.ts) is data the platform side can write: on VVP 2 any
// editor of the namespace, on VVP 3 anyone holding a token bound to this instance. Trusted as written, it could move
// an object into kube-system, make the leader read a Secret from there, or set a deletion mark or a nonce the leader
// then acts on. So every record this server writes carries an HMAC-SHA256 over the record and the identity of the
// deployment it is written to (this instance, platform namespace and name, and the deployment's id), with a key
// every replica shares; a record that does not verify is not this server's and is never acted on (reader.ts and the
// background passes skip it).
//
// The id is what tells two deployments of the same name apart (a record copied from a deleted deployment onto a new
// one of its name must not verify), but the platform assigns it on the create POST. So the POST carries a *pending*
// signature (v2p, over an empty id) that is never trusted, and the create flow binds it in a follow-up write once the
// id is known (v2); a create whose binding fails is undone. Records signed before ids were bound (v1) verify only
// until the leader has bound them all (bindLegacyRecords, then retireLegacy on every replica).
//
// Keys: a file with one key per line (at least 32 bytes each); the first signs, every one verifies, so a key is
// rotated by adding the new one second, rolling out, moving it first, rolling out, then dropping the old one once
// every record has been written again. Records written before signing existed are signed once by the leader
// (migrateUnsignedRecords), only when the record agrees with the deployment's managed-by and identity labels.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { CallOptions, Deployment, DeploymentWrite, StringMap } from '../../vvp/index.js';
import type { PlatformPort } from '../instance/platform-port.js';
import { ANNOTATION, LABEL, MANAGED_BY_LABEL, RESERVED_PREFIX, RESTORE_ANNOTATION, decodeKubeParts, nameLabelValue } from './annotations.js';

export const SIGNATURE_ANNOTATION = `${RESERVED_PREFIX}record-signature`;
const RECORD_KEYS = Object.values(ANNOTATION);
/** Signed when set (not absent, not "null"): a record written before such a key existed keeps its signature. */
const OPTIONAL_RECORD_KEYS = [RESTORE_ANNOTATION];
const MIN_KEY_BYTES = 32;

/** `pending`: written by a create POST, before the id was known; never trusted (a crash before the binding leaves it). */
export type Verdict = 'valid' | 'unsigned' | 'invalid' | 'pending';

type Annotations = StringMap | Record<string, string | null>;

export class RecordSigner {
  private readonly keys: { id: string; key: Buffer }[];
  /** Whether v1 signatures (not bound to an id) still verify: until the leader has bound every one of them. */
  private legacyAccepted = true;

  constructor(keys: readonly Buffer[], private readonly instanceId: string) {
    if (keys.length === 0) throw new Error('no record signing key');
    for (const key of keys) if (key.length < MIN_KEY_BYTES) throw new Error(`a record signing key must have at least ${MIN_KEY_BYTES} bytes`);
    this.keys = keys.map((key) => ({ id: createHash('sha256').update(key).digest('hex').slice(0, 8), key }));
  }

  /** One key per non-empty line, taken as its UTF-8 bytes (e.g. 48 random alphanumerics, as the chart makes). */
  static fromFile(path: string, instanceId: string): RecordSigner {
    const lines = readFileSync(path, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
    return new RecordSigner(lines.map((l) => Buffer.from(l, 'utf8')), instanceId);
  }

  /** From now on a v1 signature is `invalid` (every replica calls it once the leader marked the binding done). */
  retireLegacy(): void {
    this.legacyAccepted = false;
  }

  /** `id` undefined: the v1 MAC (no id); '' the pending one of a create POST; else bound to that deployment id. */
  private mac(key: Buffer, platformNamespace: string, platformName: string, id: string | undefined, annotations: Annotations): Buffer {
    const record = RECORD_KEYS.map((k) => [k, annotations[k] ?? null]);
    for (const k of OPTIONAL_RECORD_KEYS) if (annotations[k] !== undefined && annotations[k] !== null && annotations[k] !== 'null') record.push([k, annotations[k]]);
    const identity = id === undefined
      ? ['vvp-apiserver record v1', this.instanceId, platformNamespace, platformName, record]
      : ['vvp-apiserver record v2', this.instanceId, platformNamespace, platformName, id, record];
    return createHmac('sha256', key).update(JSON.stringify(identity)).digest();
  }

  /**
   * The signature annotation's value for a record written to deployment `<platformNamespace>/<platformName>` with
   * id `id` (undefined: the create POST, before the platform assigned one: pending).
   */
  sign(platformNamespace: string, platformName: string, id: string | undefined, annotations: Annotations): string {
    const first = this.keys[0]!;
    return `${id === undefined ? 'v2p' : 'v2'}.${first.id}.${this.mac(first.key, platformNamespace, platformName, id ?? '', annotations).toString('base64url')}`;
  }

  /** Whether a deployment's record is one this server wrote for this very deployment (its id included). */
  verify(d: Deployment, acceptLegacy = this.legacyAccepted): Verdict {
    const a = d.metadata.annotations ?? {};
    const value = a[SIGNATURE_ANNOTATION];
    if (value === undefined || value === '' || value === 'null') return 'unsigned';
    const [version, id, mac] = value.split('.');
    const key = this.keys.find((k) => k.id === id);
    if (!key || !mac || !labelsAgree(d)) return 'invalid';
    const boundTo = version === 'v2' ? d.metadata.id : version === 'v2p' ? '' : version === 'v1' && acceptLegacy ? undefined : null;
    if (boundTo === null || (version === 'v2' && !d.metadata.id)) return 'invalid';
    const expected = this.mac(key.key, d.metadata.namespace, d.metadata.name, boundTo, a);
    const given = Buffer.from(mac, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
    return version === 'v2p' ? 'pending' : 'valid';
  }

  /** A valid record signed before ids were bound (v1), which bindLegacyRecords signs again bound to its id. */
  isLegacy(d: Deployment): boolean {
    return d.metadata.annotations?.[SIGNATURE_ANNOTATION]?.startsWith('v1.') === true && this.verify(d, true) === 'valid';
  }

  /**
   * The write with its record signed (or the signature removed with the record); bodies without a record as they
   * are. `id` undefined: a create POST (pending until the create flow binds it).
   */
  signWrite(platformNamespace: string, platformName: string, id: string | undefined, body: DeploymentWrite): DeploymentWrite {
    const annotations = body.metadata?.annotations as Record<string, string | null> | undefined;
    if (!annotations || !(ANNOTATION.namespace in annotations)) return body;
    if (!platformName) throw new Error('a record written by id must name its deployment in the body (the signature covers the name)');
    const recorded = typeof annotations[ANNOTATION.namespace] === 'string';
    const signature = recorded ? this.sign(platformNamespace, platformName, id, annotations) : null;
    return { ...body, metadata: { ...body.metadata, annotations: { ...annotations, [SIGNATURE_ANNOTATION]: signature } as StringMap } };
  }
}

/** The record's Kubernetes identity as the selection labels carry it, and this instance's mark. */
function labelsAgree(d: Deployment): boolean {
  const a = d.metadata.annotations ?? {};
  const l = d.metadata.labels ?? {};
  const name = a[ANNOTATION.name];
  return name !== undefined && l[LABEL.namespace] === a[ANNOTATION.namespace] && l[LABEL.name] === nameLabelValue(name);
}

/**
 * The client whose deployment writes carry the signature of the record they write: bound to the deployment's id when
 * the write addresses it by id (its body naming the deployment), pending on a create POST and on a write addressed by
 * name (which no flow makes for a record). Reads and everything else are the client's own.
 */
export function signingClient<P extends PlatformPort>(client: P, signer: RecordSigner): P {
  const signed = Object.create(client) as P;
  // Addressed by id: the body names the deployment, and the path segment is not that name.
  const byId = (nameOrId: string, body: DeploymentWrite) => {
    const named = body.metadata?.name;
    return named !== undefined && named !== nameOrId ? { name: named, id: nameOrId } : { name: nameOrId, id: undefined };
  };
  signed.createDeployment = (ns: string, body: DeploymentWrite, opts?: CallOptions) =>
    client.createDeployment(ns, signer.signWrite(ns, body.metadata?.name ?? '', undefined, body), opts);
  signed.patchDeployment = (ns: string, nameOrId: string, body: DeploymentWrite, opts?: CallOptions) => {
    const { name, id } = byId(nameOrId, body);
    return client.patchDeployment(ns, nameOrId, signer.signWrite(ns, name, id, body), opts);
  };
  signed.putDeployment = (ns: string, nameOrId: string, body: DeploymentWrite, opts?: CallOptions) => {
    const { name, id } = byId(nameOrId, body);
    return client.putDeployment(ns, nameOrId, signer.signWrite(ns, name, id, body), opts);
  };
  return signed;
}

/**
 * An unsigned record that the one-time migration may sign: marked by this instance, its selection labels agreeing
 * with it, and its platform identity (spec.deployment.metadata) naming this very deployment.
 */
export function migratable(d: Deployment, instanceId: string, signer: RecordSigner): boolean {
  if (signer.verify(d) !== 'unsigned' || d.metadata.labels?.[MANAGED_BY_LABEL] !== instanceId || !labelsAgree(d)) return false;
  try {
    const identity = decodeKubeParts(d.metadata.annotations)?.spec.deployment?.metadata;
    return identity?.namespace === d.metadata.namespace && identity.name === d.metadata.name;
  } catch {
    return false;
  }
}

/** Which records a leader's pass signs again, bound to their deployment's id. */
export type RecordSelection = (d: Deployment) => boolean;

/**
 * A leader's pass over the records of the served platform namespaces marked by this instance: signs every `selected`
 * record again, bound to its deployment's id, each write by id naming the deployment in its body (the signature
 * covers the name; the platform's by-id write rule reads it) and conditional on its resourceVersion. Returns the
 * number signed.
 */
async function resignRecords(
  client: PassClient, signer: RecordSigner, platformNamespaces: readonly string[], instanceId: string,
  selected: RecordSelection, signal: AbortSignal,
): Promise<number> {
  let signed = 0;
  for (const pns of platformNamespaces) {
    const list = await client.listDeployments(pns, { labelSelector: { [MANAGED_BY_LABEL]: instanceId } }, { signal });
    for (const d of list.items) {
      if (!selected(d)) continue;
      const signature = signer.sign(d.metadata.namespace, d.metadata.name, d.metadata.id, d.metadata.annotations ?? {});
      const metadata = { name: d.metadata.name, annotations: { [SIGNATURE_ANNOTATION]: signature }, resourceVersion: d.metadata.resourceVersion };
      await client.patchDeployment(pns, d.metadata.id, { metadata }, { signal });
      signed++;
    }
  }
  return signed;
}

type PassClient = Pick<PlatformPort, 'listDeployments' | 'patchDeployment'>;

/** The leader's one-time pass (main.ts runs it until a marker in Kubernetes says it is done): the migratable records. */
export function migrateUnsignedRecords(client: PassClient, signer: RecordSigner, platformNamespaces: readonly string[], instanceId: string, signal: AbortSignal): Promise<number> {
  return resignRecords(client, signer, platformNamespaces, instanceId, (d) => migratable(d, instanceId, signer), signal);
}

/** The leader's pass after an upgrade (until its marker says done): every valid v1 record, bound to its id. */
export function bindLegacyRecords(client: PassClient, signer: RecordSigner, platformNamespaces: readonly string[], instanceId: string, signal: AbortSignal): Promise<number> {
  return resignRecords(client, signer, platformNamespaces, instanceId, (d) => signer.isLegacy(d), signal);
}
