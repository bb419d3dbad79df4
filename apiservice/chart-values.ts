// Every value of the Helm chart (apiservice/chart/vvp-apiserver): its JSON-schema type, what it means, and the server
// flag it sets (apiserver/settings.ts). The chart's values.schema.json and docs/reference/chart-values.md are generated
// from this table (`make reference`); the defaults stay where Helm reads them, in values.yaml, and
// test/unit/reference-docs.test.ts fails when values.yaml holds a key this table lacks, or the other way round.
// Adding a chart value is one row here, the key in values.yaml, and `make reference`.
import type { SettingName } from '../apiserver/settings.js';

/** The JSON-schema fragment of one value (draft-07, as Helm validates it). */
export interface JsonSchema {
  type?: string | string[];
  enum?: readonly (string | number | boolean)[];
  minimum?: number;
  maximum?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  description?: string;
}

export interface ChartValue {
  schema: JsonSchema;
  help: string;
  /** The server flag this value sets (the reference of flags says how). */
  flag?: SettingName;
}

const text: JsonSchema = { type: 'string' };
const port: JsonSchema = { type: 'integer', minimum: 1, maximum: 65535 };
const name: JsonSchema = { type: 'string' };
const secretRef: JsonSchema = { type: 'object', additionalProperties: false, required: ['name'], properties: { name, key: text } };
const count = (minimum: number): JsonSchema => ({ type: 'integer', minimum });
/** Kubernetes objects the chart copies into the Deployment as they are (resources, affinity, …): any keys. */
const passThrough = (type: 'object' | 'array'): JsonSchema => (type === 'object' ? { type: 'object' } : { type: 'array', items: { type: 'object' } });

/**
 * Dotted path → value. A path whose parent is listed is a key of that object; parents not listed are plain groups.
 * Objects are closed (unknown keys refused) unless their schema says otherwise.
 */
export const chartValues: Record<string, ChartValue> = {
  apiGroup: { schema: text, flag: 'api-group', help: 'API group served. Keep `ververica.platform` to serve manifests written for Ververica\'s VVP 3 operator; choose another group when that operator\'s CRD (`vvpdeployments.ververica.platform`) is installed ([install.md](../install.md#an-existing-crd)).' },
  instanceId: { schema: name, flag: 'instance-id', help: 'Operator instance id: marks and write-protects the platform deployments this installation manages (the `ververica.platform/owner` label value). Replaced by `platforms` when that is given.' },
  replicaCount: { schema: count(1), help: 'Replicas; every replica serves requests, one (the Lease holder) does the background work.' },
  'image.repository': { schema: text, help: 'Image repository.' },
  'image.tag': { schema: text, help: 'Image tag; empty: the chart\'s appVersion.' },
  'image.pullPolicy': { schema: { type: 'string', enum: ['Always', 'IfNotPresent', 'Never'] }, help: 'Image pull policy.' },
  'vvp.url': { schema: text, flag: 'vvp-url', help: 'Base URL of Ververica Platform (or of the emulator).' },
  'vvp.displayName': { schema: text, flag: 'vvp-display-name', help: 'How messages users read name the platform (outages); its URL is never shown to users.' },
  'vvp.namespaces': { schema: { type: 'array', items: name }, flag: 'vvp-namespaces', help: 'Platform namespaces served; the first is the default for `spec.deployment.metadata.namespace`. List every platform namespace the server may write to.' },
  'vvp.token': { schema: text, help: 'The platform API token (owner of the namespaces served; on VVP 3 bound to `instanceId`); the chart creates a Secret. Or name an existing Secret in `vvp.existingSecret`.' },
  'vvp.existingSecret': { schema: text, help: 'An existing Secret with the platform token under key `token`, instead of `vvp.token`.' },
  'vvp.timeoutMs': { schema: count(1), flag: 'vvp-timeout', help: 'Platform request timeout, in milliseconds.' },
  'vvp.maxConcurrentCalls': { schema: count(1), flag: 'vvp-max-concurrent-calls', help: 'Platform calls running at once per platform instance; further calls wait their turn, shared fairly between users and background work; a 429 or 503 with Retry-After from the platform holds new calls back until then ([operate.md](../operate.md), "Flow control").' },
  'vvp.pollIntervalMs': { schema: count(1), flag: 'poll-interval', help: 'Watch poll interval, in milliseconds (or longer, as `vvp.pollBytesBudget` sets it).' },
  'vvp.pollBytesBudget': { schema: count(0), flag: 'poll-bytes-budget', help: 'Bytes per second the watch poll may read from one platform namespace: a namespace whose deployments listing is larger than budget × interval is polled less often (watch latency grows with it). 0: no budget ([operate.md](../operate.md), "Platform load").' },
  'tenancy.grantEveryone': { schema: { type: 'boolean' }, flag: 'platform-grants', help: '`false`: deploying into a platform namespace, onto a deployment target or session cluster needs the requesting user\'s RBAC grant (verb `use`; [tenancy.md](../tenancy.md); ClusterRoles `<release>:platform-all` and `<release>:platform-namespace:<ns>`). `true`: the old behaviour, every user with create on vvpdeployments may use every served platform namespace, target and session cluster with the server\'s token.' },
  'deploymentTargets.writes': { schema: { type: 'boolean' }, flag: 'deployment-target-writes', help: '`true`: platform admins (`<release>:platform-admin` and `use` on `<pns>/*`) create and delete VvpDeploymentTargets; kube-controller-manager\'s garbage collector then watches them (one deployment-targets list per poll interval and platform namespace). `false`: read-only, at no cost.' },
  'apikeySecrets.namespaces': { schema: { type: 'array', items: name }, help: 'Namespaces where the server may `get` the Secrets objects name in `apikeySecretName` (key `token`; used only for a user who may get that Secret): a Role per namespace. Default: nowhere, so per-object tokens are off.' },
  'apikeySecrets.allNamespaces': { schema: { type: 'boolean' }, help: '`true`: every namespace (a ClusterRole), for clusters where tenants come and go.' },
  'recordSigning.existingSecret': { schema: text, help: 'A Secret with key `keys` (one HMAC key per line, 32+ bytes, the first signs, all verify) for the Kubernetes record on each platform deployment. Empty: the chart generates `<release>-record-key` at install and keeps it across upgrades and uninstalls ([tenancy.md](../tenancy.md), rotating the key).' },
  requestTimeoutSeconds: { schema: count(1), flag: 'request-timeout', help: 'Longest time of any request but a watch before it is answered 504 (kube-apiserver\'s `--request-timeout`), in seconds.' },
  'flowControl.seats': { schema: count(0), flag: 'flow-control-seats', help: 'Seats the server runs requests on, shared out among the cluster\'s PriorityLevelConfigurations by their nominalConcurrencyShares, as kube-apiserver shares its own; a LIST takes seats by the bytes of objects it reads and a starting watch by those it sends, as kube-apiserver\'s work estimate, any other request 1; a request that finds no seat waits in its flow\'s queue or is answered 429 ([operate.md](../operate.md), "Flow control"). 0: no flow control.' },
  platforms: {
    schema: {
      type: 'array',
      items: {
        type: 'object', additionalProperties: false, required: ['instanceId', 'url', 'tokenSecret'],
        properties: {
          instanceId: name, url: text, tokenSecret: secretRef, namespaces: { type: 'array', items: name }, displayName: text, caFile: text,
          adoptFrom: { type: 'array', items: { type: 'object', additionalProperties: false, required: ['instanceId', 'tokenSecret'], properties: { instanceId: name, tokenSecret: secretRef, markLabel: text, recordedNamespaceKey: text, recordedNameKey: text, allow: { type: 'object', additionalProperties: { type: 'array', items: text } } } } },
        },
      },
    },
    flag: 'platforms-file',
    help: 'Several Ververica Platform instances behind the one API ([platforms.md](../platforms.md)): each `{instanceId, url, tokenSecret: {name, key}, namespaces, displayName, caFile, adoptFrom: [{instanceId, tokenSecret, markLabel, recordedNamespaceKey, recordedNameKey, allow}]}`, rendered into the platforms file, each token Secret mounted whole so that a rotated token reaches the server without a restart. When given, replaces `instanceId` and `vvp.url`/`namespaces`/`token`/`existingSecret`. `caFile` is a path you mount yourself; `adoptFrom` adopts what Ververica\'s operator created ([migrate.md](../migrate.md)).',
  },
  'tls.mode': { schema: { type: 'string', enum: ['generate', 'secret', 'certManager'] }, help: 'How the serving certificate (valid for `<service>.<namespace>.svc`) is provided: `generate` (the chart makes a CA at install and keeps it, and the APIService\'s caBundle, across upgrades; the serving certificate is signed again on every upgrade; delete the Secret `<release>-tls` and upgrade for a new CA), `secret` (`tls.existingSecret` plus its CA in `tls.caBundle`), `certManager` (a Certificate from `tls.certManager.issuerRef`; the CA is injected into the APIService).' },
  'tls.existingSecret': { schema: text, help: 'With `tls.mode: secret`: an existing `kubernetes.io/tls` Secret.' },
  'tls.caBundle': { schema: text, help: 'With `tls.mode: secret`: the CA (PEM) that signed it.' },
  'tls.certManager.issuerRef': { schema: passThrough('object'), help: 'With `tls.mode: certManager`: the issuer, e.g. `{name: my-issuer, kind: ClusterIssuer}`.' },
  'apiService.groupPriorityMinimum': { schema: count(1), help: 'The APIService\'s `groupPriorityMinimum`.' },
  'apiService.versionPriority': { schema: count(1), help: 'The APIService\'s `versionPriority`.' },
  'service.port': { schema: port, help: 'The Service\'s port.' },
  'service.externalName': { schema: text, help: 'Testing only: route the APIService to a server outside the cluster (an ExternalName Service), e.g. `127.0.0.1`.' },
  'service.externalPort': { schema: port, help: 'Testing only: that server\'s port.' },
  'admission.paramResources': {
    schema: { type: 'array', items: { type: 'object', additionalProperties: false, required: ['resource'], properties: { apiGroup: text, resource: text } } },
    help: 'Every kind a ValidatingAdmissionPolicy binds as its `paramKind` (the server may get and list them cluster-wide; [policies.md](../policies.md)).',
  },
  securePort: { schema: port, flag: 'secure-port', help: 'The server\'s HTTPS port in the pod.' },
  logLevel: { schema: { type: 'string', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] }, flag: 'log-level', help: 'Log level.' },
  heapLimitMb: { schema: count(16), help: 'Node\'s old-space heap limit (`NODE_OPTIONS=--max-old-space-size`), kept well under the memory limit (at most ~¾): without it the heap grows with what it keeps per platform deployment until the container is killed. Measured figures: [bench.md](../bench.md) (measure 5).' },
  semiSpaceMb: { schema: count(0), help: 'V8\'s young-generation semi-space (`--max-semi-space-size`, MB); 0: Node\'s default (16). 2 keeps short-lived garbage of the poll off the RSS at the cost of more frequent, cheap scavenges ([bench.md](../bench.md)).' },
  resources: { schema: passThrough('object'), help: 'The container\'s resources (requests 100m CPU, 256Mi; limit 512Mi). Raise the memory limit and `heapLimitMb` together beyond ~30,000 deployments.' },
  'podDisruptionBudget.minAvailable': { schema: { type: ['integer', 'string'] }, help: 'The PodDisruptionBudget\'s `minAvailable` (a number or a percentage).' },
  podSecurityContext: { schema: passThrough('object'), help: 'The Pod\'s securityContext: user 1000 (the image\'s), non-root, RuntimeDefault seccomp. Clusters that assign user ids themselves (OpenShift\'s restricted SCC) may drop runAsUser/runAsGroup.' },
  containerSecurityContext: { schema: passThrough('object'), help: 'The container\'s securityContext: no privilege escalation, read-only root filesystem (only /tmp, an emptyDir, is written), every capability dropped.' },
  shutdownDelaySeconds: { schema: count(0), help: 'Seconds a terminating Pod keeps serving before it gets SIGTERM (a preStop sleep), while kube-apiserver stops sending it requests; 0: no pause. Keep it well under `terminationGracePeriodSeconds`.' },
  terminationGracePeriodSeconds: { schema: count(0), help: 'The Pod\'s termination grace period, in seconds.' },
  'podDisruptionBudget.enabled': { schema: { type: 'boolean' }, help: 'Render a PodDisruptionBudget (only with `replicaCount` 2 or more: with one replica it would block every node drain).' },
  topologySpreadConstraints: { schema: passThrough('array'), help: 'Spread the replicas (default: over zones, ScheduleAnyway, so scheduling is never blocked); each constraint selects this release\'s Pods unless it gives its own labelSelector. `[]`: none.' },
  priorityClassName: { schema: text, help: 'The Pods\' priorityClassName; empty: none.' },
  podAnnotations: { schema: { type: 'object', additionalProperties: { type: 'string' } }, help: 'Extra annotations on the Pods.' },
  'metrics.serviceMonitor.enabled': { schema: { type: 'boolean' }, help: 'A prometheus-operator ServiceMonitor for /metrics (needs its CRD), and the ClusterRole `<release>:metrics-reader` (get on the non-resource URL /metrics) the scraping identity needs.' },
  'metrics.serviceMonitor.interval': { schema: text, help: 'The ServiceMonitor\'s scrape interval.' },
  'metrics.serviceMonitor.scrapeTimeout': { schema: text, help: 'The ServiceMonitor\'s scrape timeout.' },
  'metrics.serviceMonitor.labels': { schema: { type: 'object', additionalProperties: { type: 'string' } }, help: 'Extra labels on the ServiceMonitor, e.g. the `release` label your Prometheus selects ServiceMonitors by.' },
  'metrics.serviceMonitor.readerSubjects': { schema: passThrough('array'), help: 'RBAC subjects bound to `<release>:metrics-reader`, e.g. `[{kind: ServiceAccount, name: prometheus-k8s, namespace: monitoring}]`.' },
  'networkPolicy.enabled': { schema: { type: 'boolean' }, help: 'A NetworkPolicy admitting traffic to the Pods on the serving port only (egress stays open: kube-apiserver and the platform).' },
  'networkPolicy.from': { schema: passThrough('array'), help: 'NetworkPolicyPeers allowed in; `[]`: any source. Host-network callers such as kube-apiserver need an ipBlock of the control plane\'s addresses when this is narrowed.' },
  nodeSelector: { schema: { type: 'object', additionalProperties: { type: 'string' } }, help: 'The pods\' nodeSelector.' },
  tolerations: { schema: passThrough('array'), help: 'The pods\' tolerations.' },
  affinity: { schema: passThrough('object'), help: 'The pods\' affinity; empty: spread across nodes (preferred pod anti-affinity on the hostname).' },
};
