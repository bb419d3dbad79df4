// The server's configuration: command-line flags, each with an environment variable of the same meaning
// (flags win). `--help` prints this table.
import { parseArgs } from 'node:util';
import { checkInstance, PlatformsFileError, readPlatformsFile, type PlatformInstanceConfig } from './platforms-file.js';

export interface ServerConfig {
  bindAddress: string;
  securePort: number;
  tlsCertFile: string;
  tlsKeyFile: string;
  /** Empty: in-cluster service account, else $KUBECONFIG / ~/.kube/config. */
  kubeconfig?: string;
  apiGroup: string;
  /**
   * The platform instances served (platforms-file.ts), or the one the flags describe. Each has its token (for reads
   * and for writes of objects without their own apikeySecretName) and its platform namespaces, the first being the
   * default for spec.deployment.metadata.namespace.
   */
  platforms: PlatformInstanceConfig[];
  vvpTimeoutMs: number;
  pollIntervalMs: number;
  /** Bytes per second the watch poll may read per platform namespace (0: none). */
  pollBytesBudget: number;
  /** Longest time of any request but a watch (kube-apiserver's --request-timeout). */
  requestTimeoutMs: number;
  leaseNamespace: string;
  leaseName: string;
  logLevel: string;
  /** `rbac`: platform namespaces, targets and session clusters need the user's RBAC grant; `everyone`: the old behaviour. */
  platformGrants: 'rbac' | 'everyone';
  /** Whether VvpDeploymentTargets are created and deleted through this API (a deletable kind is watched by the GC). */
  deploymentTargetWrites: boolean;
  /** Keys (one per line) that sign the Kubernetes records on platform deployments; the first signs. */
  recordKeyFile: string;
  /** Answers carry a Server-Timing header of their stages. */
  serverTiming: boolean;
  /** The ConfigMap (in the Lease's namespace) that says the one-time signing of older records is done. */
  recordMigrationMarker: string;
}

interface FlagSpec {
  env: string;
  help: string;
  default?: string;
}

const flags = {
  'bind-address': { env: 'BIND_ADDRESS', default: '0.0.0.0', help: 'address to serve HTTPS on' },
  'secure-port': { env: 'SECURE_PORT', default: '6443', help: 'HTTPS port' },
  'tls-cert-file': { env: 'TLS_CERT_FILE', help: 'serving certificate (PEM), valid for <service>.<namespace>.svc' },
  'tls-private-key-file': { env: 'TLS_PRIVATE_KEY_FILE', help: 'serving key (PEM)' },
  kubeconfig: { env: 'KUBECONFIG', help: 'kubeconfig for TokenReview, SubjectAccessReview, Events, Leases, Secrets (default: in-cluster)' },
  'api-group': { env: 'API_GROUP', default: 'ververica.platform', help: 'API group to serve; change it to run beside a CRD of the vendor operator' },
  'platforms-file': { env: 'PLATFORMS_FILE', help: 'YAML list of the platform instances served (instanceId, url, tokenFile, namespaces, caFile, displayName); instead of the five flags below' },
  'instance-id': { env: 'INSTANCE_ID', default: 'vvp-apiserver', help: 'operator instance id: marks and write-protects the platform deployments this server manages' },
  'vvp-url': { env: 'VVP_URL', help: 'Ververica Platform base URL, e.g. http://vvp-ververica-platform.vvp.svc' },
  'vvp-display-name': { env: 'VVP_DISPLAY_NAME', default: 'Ververica Platform', help: 'the platform\'s name in messages users read (outages); the URL is never shown' },
  'vvp-token-file': { env: 'VVP_TOKEN_FILE', help: 'file holding the platform API token (or VVP_TOKEN)' },
  'vvp-ca-file': { env: 'VVP_CA_FILE', help: 'CA bundle to verify an https platform URL' },
  'vvp-namespaces': { env: 'VVP_NAMESPACES', default: 'default', help: 'comma-separated platform namespaces served; the first is the default' },
  'vvp-timeout': { env: 'VVP_TIMEOUT_MS', default: '10000', help: 'platform request timeout in ms' },
  'poll-interval': { env: 'POLL_INTERVAL_MS', default: '1000', help: 'how often watches poll the platform, in ms' },
  'poll-bytes-budget': { env: 'POLL_BYTES_BUDGET', default: '4000000', help: 'bytes per second the watch poll may read from one platform namespace (a larger listing polls less often); 0: no budget' },
  'request-timeout': { env: 'REQUEST_TIMEOUT_SECONDS', default: '60', help: 'seconds any request but a watch may take before it is answered 504' },
  'lease-namespace': { env: 'LEASE_NAMESPACE', default: 'vvp-system', help: 'namespace of the Lease that picks the replica doing background work' },
  'lease-name': { env: 'LEASE_NAME', default: 'vvp-apiserver', help: 'name of that Lease' },
  'log-level': { env: 'LOG_LEVEL', default: 'info', help: 'pino log level' },
  'record-key-file': { env: 'RECORD_KEY_FILE', help: 'file of HMAC keys (one per line, 32+ bytes; the first signs) for the Kubernetes records on platform deployments' },
  'record-migration-marker': { env: 'RECORD_MIGRATION_MARKER', help: 'ConfigMap in the lease namespace marking the one-time signing of older records as done (default <lease-name>-records-signed)' },
  'server-timing': { env: 'SERVER_TIMING', default: 'false', help: 'true: every answer carries a Server-Timing header of its stages (admission, platform calls, …), for make bench' },
  'platform-grants': { env: 'PLATFORM_GRANTS', default: 'rbac', help: 'rbac: users need verb use on platformnamespaces/deploymenttargets/sessionclusters; everyone: no such check (the old behaviour)' },
  'deployment-target-writes': { env: 'DEPLOYMENT_TARGET_WRITES', default: 'true', help: 'true: platform admins create and delete vvpdeploymenttargets (the garbage collector then watches them: one target list per poll and platform namespace); false: read-only' },
} satisfies Record<string, FlagSpec>;

type FlagName = keyof typeof flags;

export function usage(): string {
  const rows = Object.entries(flags).map(([name, spec]: [string, FlagSpec]) =>
    `  --${name.padEnd(22)} ${spec.help}${spec.default ? ` (default ${spec.default})` : ''} [$${spec.env}]`);
  return ['usage: vvp-apiserver [flags]', '', ...rows, '  --help'].join('\n');
}

export class ConfigError extends Error {}

export function loadConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): ServerConfig | 'help' {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const name of Object.keys(flags)) options[name] = { type: 'string' };
  const { values } = parseArgs({ args: argv, options, strict: true });
  if (values.help === true) return 'help';
  const get = (name: FlagName): string | undefined => {
    const spec: FlagSpec = flags[name];
    const given = values[name];
    return (typeof given === 'string' ? given : undefined) ?? env[spec.env] ?? spec.default;
  };
  const required = (name: FlagName): string => {
    const v = get(name);
    if (!v) throw new ConfigError(`--${name} (or $${(flags[name] as FlagSpec).env}) is required`);
    return v;
  };
  const integer = (name: FlagName): number => {
    const v = Number(required(name));
    if (!Number.isInteger(v) || v <= 0) throw new ConfigError(`--${name} must be a positive integer`);
    return v;
  };
  const grants = required('platform-grants');
  if (grants !== 'rbac' && grants !== 'everyone') throw new ConfigError('--platform-grants must be rbac or everyone');
  const targetWrites = required('deployment-target-writes');
  if (targetWrites !== 'true' && targetWrites !== 'false') throw new ConfigError('--deployment-target-writes must be true or false');
  const config: ServerConfig = {
    bindAddress: required('bind-address'),
    securePort: integer('secure-port'),
    tlsCertFile: required('tls-cert-file'),
    tlsKeyFile: required('tls-private-key-file'),
    apiGroup: required('api-group'),
    platforms: platformsOf(get, required, env),
    vvpTimeoutMs: integer('vvp-timeout'),
    pollIntervalMs: integer('poll-interval'),
    pollBytesBudget: integer('poll-bytes-budget'),
    requestTimeoutMs: integer('request-timeout') * 1000,
    leaseNamespace: required('lease-namespace'),
    leaseName: required('lease-name'),
    logLevel: required('log-level'),
    platformGrants: grants,
    deploymentTargetWrites: targetWrites === 'true',
    recordKeyFile: required('record-key-file'),
    serverTiming: required('server-timing') === 'true',
    recordMigrationMarker: get('record-migration-marker') ?? `${required('lease-name')}-records-signed`,
  };
  const kubeconfig = get('kubeconfig');
  if (kubeconfig) config.kubeconfig = kubeconfig;
  return config;
}

/** The platforms file's instances, or the one instance of the flag shorthand. */
function platformsOf(get: (name: FlagName) => string | undefined, required: (name: FlagName) => string, env: NodeJS.ProcessEnv): PlatformInstanceConfig[] {
  try {
    const file = get('platforms-file');
    const displayName = required('vvp-display-name');
    if (file) return readPlatformsFile(file).map((p) => ({ ...p, displayName: p.displayName ?? displayName }));
    const tokenFile = get('vvp-token-file');
    if (!tokenFile && !env.VVP_TOKEN) throw new ConfigError('a platform token is required: --vvp-token-file or $VVP_TOKEN');
    const ca = get('vvp-ca-file');
    return [checkInstance({
      instanceId: required('instance-id'), url: required('vvp-url'),
      ...(tokenFile ? { tokenFile } : { token: env.VVP_TOKEN }),
      namespaces: required('vvp-namespaces').split(',').map((s) => s.trim()).filter(Boolean),
      displayName, ...(ca ? { caFile: ca } : {}),
    }, '--vvp-* flags')];
  } catch (err) {
    if (err instanceof PlatformsFileError) throw new ConfigError(err.message);
    throw err;
  }
}
