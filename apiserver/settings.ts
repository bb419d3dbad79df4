// Every setting of the server in one table: the flag, the environment variable of the same meaning (flags win), its
// type, default and description, and how the Helm chart sets it. `--help` (config.ts), docs/reference/flags.md and the
// chart's values.schema.json (with apiservice/chart-values.ts) are generated from this table by `make reference`;
// test/unit/reference-docs.test.ts fails when a generated file no longer matches it. Adding a flag is one row here,
// one line reading it in config.ts, and `make reference`.

/** What a value may be. A duration is Go's form (`1s`, `500ms`, `1m30s`); a bare number means `bareUnit` (older values). */
export type SettingType = 'string' | 'path' | 'port' | 'count' | 'duration' | 'boolean' | readonly string[];

/** How the chart sets a flag: from a value, to a fixed argument it manages itself, or not at all (the default). */
export type ChartSource = { value: string; note?: string } | { fixed: string } | 'unset';

export interface Setting {
  env: string;
  type: SettingType;
  default?: string;
  help: string;
  /** Durations only: the unit of a bare number, as the flag and its environment variable took it before durations. */
  bareUnit?: 'ms' | 's';
  chart: ChartSource;
}

export const settings = {
  'bind-address': { env: 'BIND_ADDRESS', type: 'string', default: '0.0.0.0', help: 'address to serve HTTPS on', chart: 'unset' },
  'secure-port': { env: 'SECURE_PORT', type: 'port', default: '6443', help: 'HTTPS port', chart: { value: 'securePort' } },
  'tls-cert-file': { env: 'TLS_CERT_FILE', type: 'path', help: 'serving certificate (PEM), valid for <service>.<namespace>.svc', chart: { fixed: 'the TLS Secret of `tls.mode`, mounted' } },
  'tls-private-key-file': { env: 'TLS_PRIVATE_KEY_FILE', type: 'path', help: 'serving key (PEM)', chart: { fixed: 'the TLS Secret of `tls.mode`, mounted' } },
  kubeconfig: { env: 'KUBECONFIG', type: 'path', help: 'kubeconfig for TokenReview, SubjectAccessReview, Events, Leases, Secrets (default: in-cluster)', chart: 'unset' },
  'api-group': { env: 'API_GROUP', type: 'string', default: 'ververica.platform', help: 'API group to serve; change it to run beside a CRD of the vendor operator', chart: { value: 'apiGroup' } },
  'platforms-file': { env: 'PLATFORMS_FILE', type: 'path', help: 'YAML list of the platform instances served (instanceId, url, tokenFile, namespaces, caFile, displayName, adoptFrom); instead of the five --instance-id, --vvp-url, --vvp-token-file, --vvp-namespaces, --vvp-ca-file flags', chart: { fixed: 'rendered from `platforms` when it is not empty' } },
  'instance-id': { env: 'INSTANCE_ID', type: 'string', default: 'vvp-apiserver', help: 'operator instance id: marks and write-protects the platform deployments this server manages', chart: { value: 'instanceId', note: 'when `platforms` is empty' } },
  'vvp-url': { env: 'VVP_URL', type: 'string', help: 'Ververica Platform base URL, e.g. http://vvp-ververica-platform.vvp.svc', chart: { value: 'vvp.url', note: 'when `platforms` is empty' } },
  'vvp-display-name': { env: 'VVP_DISPLAY_NAME', type: 'string', default: 'Ververica Platform', help: 'the platform\'s name in messages users read (outages); the URL is never shown', chart: { value: 'vvp.displayName' } },
  'vvp-token-file': { env: 'VVP_TOKEN_FILE', type: 'path', help: 'file holding the platform API token (or $VVP_TOKEN); re-read when it changes', chart: { fixed: 'the Secret of `vvp.token` or `vvp.existingSecret`, mounted' } },
  'vvp-ca-file': { env: 'VVP_CA_FILE', type: 'path', help: 'CA bundle to verify an https platform URL', chart: 'unset' },
  'vvp-namespaces': { env: 'VVP_NAMESPACES', type: 'string', default: 'default', help: 'comma-separated platform namespaces served; the first is the default', chart: { value: 'vvp.namespaces', note: 'joined with commas, when `platforms` is empty' } },
  'vvp-timeout': { env: 'VVP_TIMEOUT_MS', type: 'duration', bareUnit: 'ms', default: '10s', help: 'platform request timeout', chart: { value: 'vvp.timeoutMs', note: 'milliseconds' } },
  'vvp-max-concurrent-calls': { env: 'VVP_MAX_CONCURRENT_CALLS', type: 'count', default: '32', help: 'platform calls running at once per platform instance; further calls wait their turn, shared fairly between users and background work (a user\'s burst delays another user\'s call by one turn, not by the burst); a 429 or 503 with Retry-After holds new calls back until then', chart: { value: 'vvp.maxConcurrentCalls' } },
  'poll-interval': { env: 'POLL_INTERVAL_MS', type: 'duration', bareUnit: 'ms', default: '1s', help: 'how often watches poll the platform (or less often, see --poll-bytes-budget)', chart: { value: 'vvp.pollIntervalMs', note: 'milliseconds' } },
  'poll-bytes-budget': { env: 'POLL_BYTES_BUDGET', type: 'count', default: '4000000', help: 'bytes per second the watch poll may read from one platform namespace (a larger listing polls less often); 0: no budget', chart: { value: 'vvp.pollBytesBudget' } },
  'request-timeout': { env: 'REQUEST_TIMEOUT_SECONDS', type: 'duration', bareUnit: 's', default: '1m', help: 'how long any request but a watch may take before it is answered 504 (kube-apiserver\'s --request-timeout)', chart: { value: 'requestTimeoutSeconds', note: 'seconds' } },
  'flow-control-seats': { env: 'FLOW_CONTROL_SEATS', type: 'count', default: '300', help: 'seats this server runs requests on, shared out among the cluster\'s PriorityLevelConfigurations by nominalConcurrencyShares and lent between them (lendablePercent, borrowingLimitPercent) as kube-apiserver does (a LIST by the bytes of objects it reads, as kube\'s work estimate; others 1); 0: no flow control', chart: { value: 'flowControl.seats' } },
  'lease-namespace': { env: 'LEASE_NAMESPACE', type: 'string', default: 'vvp-system', help: 'namespace of the Lease that picks the replica doing background work', chart: { fixed: 'the release namespace' } },
  'lease-name': { env: 'LEASE_NAME', type: 'string', default: 'vvp-apiserver', help: 'name of that Lease', chart: { fixed: 'the release\'s name' } },
  'log-level': { env: 'LOG_LEVEL', type: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info', help: 'pino log level', chart: { value: 'logLevel' } },
  'record-key-file': { env: 'RECORD_KEY_FILE', type: 'path', help: 'file of HMAC keys (one per line, 32+ bytes; the first signs) for the Kubernetes records on platform deployments', chart: { fixed: 'the Secret of `recordSigning.existingSecret`, or the generated `<release>-record-key`, mounted' } },
  'record-migration-marker': { env: 'RECORD_MIGRATION_MARKER', type: 'string', help: 'ConfigMap in the lease namespace marking the one-time signing of older records as done (default <lease-name>-records-signed)', chart: 'unset' },
  'admission-helper': { env: 'ADMISSION_HELPER', type: 'path', help: 'the kube-admission binary (tools/kube-admission, required): runs kube-apiserver\'s own MutatingAdmissionPolicy, webhook, ValidatingAdmissionPolicy and ResourceQuota plugins as a child process; the image sets ADMISSION_HELPER=/usr/local/bin/kube-admission, make run and make test build it', chart: 'unset' },
  'server-timing': { env: 'SERVER_TIMING', type: 'boolean', default: 'false', help: 'true: every answer carries a Server-Timing header of its stages (admission, platform calls, …), for make bench', chart: 'unset' },
  'platform-grants': { env: 'PLATFORM_GRANTS', type: ['rbac', 'everyone'], default: 'rbac', help: 'rbac: users need verb use on platformnamespaces/deploymenttargets/sessionclusters; everyone: no such check (the old behaviour)', chart: { value: 'tenancy.grantEveryone', note: 'true sets everyone' } },
  'deployment-target-writes': { env: 'DEPLOYMENT_TARGET_WRITES', type: 'boolean', default: 'true', help: 'true: platform admins create and delete vvpdeploymenttargets (the garbage collector then watches them: one target list per poll and platform namespace); false: read-only', chart: { value: 'deploymentTargets.writes' } },
} as const satisfies Record<string, Setting>;

export type SettingName = keyof typeof settings;

/** A value's type, as `--help` and the reference show it. */
export function typeLabel(setting: Setting): string {
  if (typeof setting.type !== 'string') return setting.type.join('|');
  return setting.type;
}
