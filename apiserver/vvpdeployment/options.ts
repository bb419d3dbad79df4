// What the VvpDeployment storage is given: the platform port, the hooks into the machinery, and its timings.

import type { WatchHub } from '../k8s/index.js';
import type { AdoptionSource } from './trust/adoption.js';
import type { PlannedEvent } from './decide/mapping.js';
import type { RecordSigner, Verdict } from './trust/record-signature.js';
import type { PlatformPort } from './instance/platform-port.js';
import type { VvpDeployment } from './types.js';

export { APIKEY_SECRET_ANNOTATION } from './trust/apikey-secret.js';

export interface VvpDeploymentStorageOptions {
  /** The platform calls the resource makes (main.ts: the VvpClient). */
  client: PlatformPort;
  instanceId: string;
  /** Platform namespaces served; the first is the default for spec.deployment.metadata.namespace. */
  platformNamespaces: string[];
  /** The platform's display name (--vvp-display-name), as outage messages show it; never its URL. */
  platformName: string;
  /** The API group served (ververica.platform unless configured to run beside the vendor's CRD). */
  group?: string;
  /**
   * The platform token in a Secret of the object's namespace (apikeySecretName). Throws a StatusError (e.g. 422 or
   * 403) when the Secret is missing or unreadable. Without it, objects carrying the annotation cannot be written.
   */
  resolveToken?: (namespace: string, secretName: string, signal: AbortSignal) => Promise<string>;
  /** Records a Kubernetes Event on the object (the machinery's event recorder). */
  recordEvent?: (object: VvpDeployment, event: PlannedEvent) => void;
  now?: () => Date;
  /** For failures of best-effort follow-up calls; never given tokens. */
  warn?: (message: string, fields?: Record<string, unknown>) => void;
  /**
   * Serves watch through the machinery's poll-fed WatchHub, one scope per platform namespace, polled every
   * `pollIntervalMs` while watched (close() stops it), or less often where the last listing of the namespace was
   * larger than `pollBytesBudget` bytes per second allow (k8s/watch/poll-budget.ts; 0 or absent: no budget). Without it the
   * storage serves no watch. `onPollInterval` reports each interval decided, with the listing's size.
   */
  watch?: {
    pollIntervalMs: number;
    pollBytesBudget?: number;
    /**
     * How often the deployments just written or in a transition are read one by one while the full listing comes
     * less often (read/hot-reads.ts; default pollIntervalMs; 0: never).
     */
    hotReadIntervalMs?: number;
    onPollError?: (platformNamespace: string, error: unknown) => void;
    onPollInterval?: (platformNamespace: string, intervalMs: number, listingBytes: number) => void;
  };
  /**
   * Instead of a hub of its own: the hub every platform instance shares (storage.ts), this instance's
   * platform namespaces being its scopes `scopeOf(pns)`; the hub's snapshot of such a scope is this storage's
   * snapshot(pns). Lists and watches of several instances then carry one resourceVersion sequence.
   */
  sharedWatch?: { hub: WatchHub; scopeOf: (platformNamespace: string) => string };
  /** How long a GET may reuse an unchanged deployment's jobs, savepoints and Autopilot state (see PlatformReader). */
  surroundingsMaxAgeMs?: number;
  /**
   * How long the background passes may work from the last full listing of a platform namespace (a watch poll's)
   * instead of listing every deployment again themselves; 0: they always list.
   */
  listingReuseMs?: number;
  /**
   * How long a savepoint nonce recorded Triggered may go without a savepoint id before another pass triggers it
   * (savepoint-nonce.ts): longer than the main write and the savepoint POST can take. Default 25 s.
   */
  pendingSavepointGraceMs?: number;
  /**
   * The old behaviour: every user may use every served platform namespace, deployment target and session cluster
   * (tenancy.ts); by default each needs an RBAC grant for the requesting user.
   */
  grantEveryone?: boolean;
  /**
   * With several platform instances: grant names start with `<instanceId>/` (tenancy.ts); the first instance also
   * accepts the short forms, so grants written for one instance stay valid.
   */
  grantNames?: { instanceId: string; shortFormsToo: boolean };
  /** Previous operator instances (Ververica's operator) whose platform deployments may be adopted (adoption.ts). */
  adoptFrom?: AdoptionSource[];
  /**
   * Signs every record this storage writes and verifies every record it reads (record-signature.ts): a deployment
   * whose record does not verify is neither served nor acted on. Without it records are trusted as written.
   */
  recordSigner?: RecordSigner;
  /** Called once per deployment version whose record does not verify (besides a warning), e.g. for a metric. */
  onUntrustedRecord?: (deployment: string, verdict: Exclude<Verdict, 'valid'>) => void;
}
