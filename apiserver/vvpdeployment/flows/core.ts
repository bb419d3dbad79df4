// What every flow of the VvpDeployment storage shares: its options, the platform reader, and the two translations
// the flows make all the time: a platform deployment into the Kubernetes object, a platform failure into a Status.

import { type RequestContext, type ResourceRef, type StatusCause, statusErrors } from '../../k8s/index.js';
import type { Deployment } from '../../vvp/index.js';
import { ANNOTATION, decodeKubeParts, type KubeParts } from '../trust/annotations.js';
import { authorizeApikeySecret, perObjectTokenRejected } from '../trust/apikey-secret.js';
import { platformFailure } from '../errors.js';
import { SIGNATURE_ANNOTATION, signingClient } from '../trust/record-signature.js';
import { StateDirectories, type TenancyOptions, authorizePlacementChange, placementAtCreation, placementOf, placementOfPlatform } from '../trust/tenancy.js';
import { toVvpDeployment } from '../decide/kube-object.js';
import type { VvpDeploymentStorageOptions } from '../options.js';
import type { PlatformView } from '../read/platform-view.js';
import { PlatformReader } from '../read/reader.js';
import { vvpDeploymentInfo } from '../schema.js';
import { KIND, VERSION, type VvpDeployment } from '../types.js';

/** A signal that never aborts: for background work and for follow-up writes a client's leaving must not abandon. */
export const NEVER: AbortSignal = new AbortController().signal;

/** A managed deployment read from the platform: its view, its Kubernetes record, and the object built from both. */
export interface ReadObject {
  view: PlatformView;
  parts: KubeParts;
  object: VvpDeployment;
}

export class StorageCore {
  readonly group: string;
  readonly now: () => Date;
  readonly reader: PlatformReader;
  private readonly stateDirectories: StateDirectories;
  /** Deployment versions already reported as untrusted, so that each poll does not warn again. */
  private readonly untrustedSeen = new Set<string>();
  /** Deployment id → the version of it whose record verified (trusts). */
  private readonly verified = new Map<string, string>();
  /** Deployment id → the highest record generation that verified on it: an older signed record written back is refused. */
  private readonly generations = new Map<string, number>();
  /** Platform namespace → the bytes of its last full listing of managed deployments (the poll's bytes budget). */
  readonly listedBytes = new Map<string, number>();

  constructor(readonly options: VvpDeploymentStorageOptions) {
    // Every write of a record goes out signed (record-signature.ts).
    if (options.recordSigner) this.options = { ...options, client: signingClient(options.client, options.recordSigner) };
    this.stateDirectories = new StateDirectories(options.platformNamespaces, (pns, signal) => options.client.getDeploymentDefaults(pns, { signal }));
    this.group = options.group ?? vvpDeploymentInfo.group;
    this.now = options.now ?? (() => new Date());
    this.reader = new PlatformReader({
      client: options.client,
      instanceId: options.instanceId,
      platformNamespaces: options.platformNamespaces,
      toStatusError: (err, name) => this.statusError(err, name),
      warn: (message, fields) => this.warn(message, fields),
      surroundingsMaxAgeMs: options.surroundingsMaxAgeMs ?? 0,
      trusts: (d) => this.trusts(d),
      listed: (pns, bytes) => this.listedBytes.set(pns, bytes),
    });
  }

  /** Whether a managed deployment's record is this server's (record-signature.ts); reports each other version once. */
  trusts(d: Deployment): boolean {
    const signer = this.options.recordSigner;
    if (!signer) return true;
    // Every listing verifies every record (an HMAC each: the largest CPU cost of a poll of unchanged deployments), so
    // a version that verified is remembered. The platform gives a deployment a new resourceVersion on every write,
    // so the same id, identity, resourceVersion and signature are the same record.
    const version = `${d.metadata.namespace}/${d.metadata.name}@${d.metadata.resourceVersion ?? ''}#${d.metadata.annotations?.[SIGNATURE_ANNOTATION] ?? ''}`;
    if (this.verified.get(d.metadata.id) === version) return true;
    const verified = signer.verify(d);
    // Pending: a create POST not yet bound to its id (never trusted; left only by a crash in between, not reported).
    if (verified === 'pending') return false;
    const generation = Number(d.metadata.annotations?.[ANNOTATION.generation] ?? '0');
    const replayed = verified === 'valid' && generation < (this.generations.get(d.metadata.id) ?? 0);
    const verdict = replayed ? 'invalid' : verified;
    if (verdict === 'valid') {
      if (this.verified.size >= 100_000) this.verified.clear();
      if (this.generations.size >= 100_000) this.generations.clear();
      this.verified.set(d.metadata.id, version);
      this.generations.set(d.metadata.id, generation);
      return true;
    }
    const seen = `${d.metadata.id}/${d.metadata.resourceVersion ?? ''}`;
    if (!this.untrustedSeen.has(seen)) {
      if (this.untrustedSeen.size >= 10_000) this.untrustedSeen.clear();
      this.untrustedSeen.add(seen);
      const deployment = `${d.metadata.namespace}/${d.metadata.name}`;
      this.warn('ignoring a platform deployment whose Kubernetes record this server did not write (docs/tenancy.md: restoring a record)', { deployment, verdict });
      this.options.onUntrustedRecord?.(deployment, verdict);
    }
    return false;
  }

  /**
   * The requesting user's grants for where `obj` deploys and for its apikeySecretName (tenancy.ts, apikey-secret.ts):
   * on create (`old` undefined) and on the updates that change them.
   */
  /**
   * The platform grants and the apikey Secret of a create (`old` undefined) or an update. With `asIs`, the platform
   * deployment as it is: an update is checked against where it runs, not only against what its record said.
   */
  async authorize(ctx: RequestContext, obj: VvpDeployment, old?: VvpDeployment, asIs?: Deployment): Promise<void> {
    let was = old ? placementOf(old) : undefined;
    if (was && asIs) {
      const platform = placementOfPlatform(asIs);
      was = { ...platform, locations: [...was.locations, ...platform.locations] };
    }
    await authorizePlacementChange(ctx.access, obj, old ? placementOf(obj) : placementAtCreation(obj), was, this.tenancyOptions(obj.metadata.name), ctx.signal);
    await authorizeApikeySecret(ctx.access, obj, old);
  }

  /** Adoption: the platform deployment `d` as it is, authorized as if `obj` created it there. */
  async authorizeAsIs(ctx: RequestContext, obj: VvpDeployment, d: Deployment): Promise<void> {
    await authorizePlacementChange(ctx.access, obj, placementOfPlatform(d), undefined, this.tenancyOptions(obj.metadata.name), ctx.signal);
  }

  private tenancyOptions(name: string | undefined): TenancyOptions {
    const stateDirectories = (signal: AbortSignal) => this.platform(name, () => this.stateDirectories.get(signal));
    return { group: this.group, grantEveryone: this.options.grantEveryone ?? false, stateDirectories, ...(this.options.grantNames ? { instance: this.options.grantNames } : {}) };
  }

  /** A platform failure of a write made for `obj`: its own token rejected is the Secret's 422, else as statusError. */
  writeFailure(err: unknown, obj: { metadata: { name?: string; namespace?: string; annotations?: Record<string, string> } }): unknown {
    return perObjectTokenRejected(err, obj, this.group) ?? this.statusError(err, obj.metadata.name);
  }

  get client(): VvpDeploymentStorageOptions['client'] {
    return this.options.client;
  }

  ref(name: string | undefined): ResourceRef {
    return { group: this.group, resource: vvpDeploymentInfo.resource, name };
  }

  /** A platform failure as the Kubernetes Status answered for the object `name`. */
  statusError(err: unknown, name: string | undefined): unknown {
    return platformFailure(err, { ref: this.ref(name), platform: this.options.platformName });
  }

  /** Runs a platform call, answering its failure as a Kubernetes Status. */
  async platform<T>(name: string | undefined, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw this.statusError(err, name);
    }
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.options.warn?.(message, fields);
  }

  invalid(name: string, causes: StatusCause[]): never {
    throw statusErrors.invalid(this.group, KIND, name, causes);
  }

  toObject(view: PlatformView, parts: KubeParts): VvpDeployment {
    const obj = toVvpDeployment(view, parts);
    obj.apiVersion = `${this.group}/${VERSION}`;
    if (obj.status) obj.status.platformInstance = this.options.instanceId;
    return obj;
  }

  /** The Kubernetes record of a managed deployment; a 500 when it is missing or damaged. */
  partsOf(d: Deployment): KubeParts {
    try {
      const parts = decodeKubeParts(d.metadata.annotations);
      if (parts) return parts;
    } catch (err) {
      throw statusErrors.internal(`the Kubernetes record on platform deployment ${d.metadata.namespace}/${d.metadata.name} is damaged: ${(err as Error).message}`);
    }
    throw statusErrors.internal(`platform deployment ${d.metadata.namespace}/${d.metadata.name} carries no Kubernetes record`);
  }

  /** The object `namespace/name` as the platform shows it now; 404 when no managed deployment holds it. */
  async read(namespace: string, name: string, signal: AbortSignal, reuse = false): Promise<ReadObject> {
    const view = await this.reader.read(namespace, name, signal, reuse);
    if (!view) throw statusErrors.notFound(this.ref(name));
    const parts = this.partsOf(view.deployment);
    return { view, parts, object: this.toObject(view, parts) };
  }
}
