// The server's configuration: command-line flags, each with an environment variable of the same meaning
// (flags win), read and checked against the table of settings.ts (the one place a flag is described).
import { parseArgs } from 'node:util';
import { checkInstance, PlatformsFileError, readPlatformsFile, type PlatformInstanceConfig } from './platforms-file.js';
import { settings, type Setting, type SettingName } from './settings.js';

export interface ServerConfig {
  bindAddress: string;
  securePort: number;
  tlsCertFile: string;
  tlsKeyFile: string;
  /** Empty: in-cluster service account, else $KUBECONFIG / ~/.kube/config. */
  kubeconfig?: string;
  /** The kube-admission binary (kube-apiserver's own admission plugins); there is no admission without it. */
  admissionHelper: string;
  apiGroup: string;
  /**
   * The platform instances served (platforms-file.ts), or the one the flags describe. Each has its token (for reads
   * and for writes of objects without their own apikeySecretName) and its platform namespaces, the first being the
   * default for spec.deployment.metadata.namespace.
   */
  platforms: PlatformInstanceConfig[];
  vvpTimeoutMs: number;
  vvpMaxConcurrentCalls: number;
  pollIntervalMs: number;
  /** Bytes per second the watch poll may read per platform namespace (0: none). */
  pollBytesBudget: number;
  /** Longest time of any request but a watch (kube-apiserver's --request-timeout). */
  requestTimeoutMs: number;
  /** Seats of the server's own API Priority and Fairness; 0: none (flowcontrol/). */
  flowControlSeats: number;
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

const flags: Record<SettingName, Setting> = settings;

/** `--help`: the table of apiserver/settings.ts, as docs/reference/flags.md shows it too. */
export function usage(): string {
  const rows = Object.entries(flags).map(([name, spec]) =>
    `  --${name.padEnd(25)} ${spec.help}${spec.type === 'duration' ? ` (a duration; a bare number is in ${spec.bareUnit ?? 'ms'})` : ''}${spec.default ? ` (default ${spec.default})` : ''} [$${spec.env}]`);
  return ['usage: vvp-apiserver [flags]', '', 'Durations are Go durations: 1s, 500ms, 1m30s. Every flag: docs/reference/flags.md.', '', ...rows, '  --help'].join('\n');
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration (`1m30s`, `500ms`) in milliseconds; a bare number in `bareUnit`. Undefined when it is neither. */
export function parseDuration(text: string, bareUnit: 'ms' | 's'): number | undefined {
  if (/^\d+$/.test(text)) return Number(text) * UNIT_MS[bareUnit]!;
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(amount) * UNIT_MS[unit!]!;
  return Math.round(total);
}

export class ConfigError extends Error {}

export function loadConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): ServerConfig | 'help' {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const name of Object.keys(flags)) options[name] = { type: 'string' };
  const { values } = parseArgs({ args: argv, options, strict: true });
  if (values.help === true) return 'help';
  const get = (name: SettingName): string | undefined => {
    const spec = flags[name];
    const given = values[name];
    return (typeof given === 'string' ? given : undefined) ?? env[spec.env] ?? spec.default;
  };
  const required = (name: SettingName): string => {
    const v = get(name);
    if (!v) throw new ConfigError(`--${name} (or $${flags[name].env}) is required`);
    return v;
  };
  const integer = (name: SettingName, least = 1): number => {
    const v = Number(required(name));
    if (!Number.isInteger(v) || v < least) throw new ConfigError(`--${name} must be ${least === 0 ? 'a non-negative' : 'a positive'} integer`);
    return v;
  };
  const durationMs = (name: SettingName): number => {
    const spec = flags[name];
    const text = required(name);
    const ms = parseDuration(text, spec.bareUnit ?? 'ms');
    if (ms === undefined || ms <= 0) throw new ConfigError(`--${name} must be a positive duration such as 1s, 500ms or 1m30s (a bare number is in ${spec.bareUnit ?? 'ms'}): ${JSON.stringify(text)}`);
    return ms;
  };
  const oneOf = <T extends string>(name: SettingName): T => {
    const v = required(name);
    const type = flags[name].type;
    const allowed = type === 'boolean' ? ['true', 'false'] : typeof type === 'string' ? [] : type;
    if (!allowed.includes(v)) throw new ConfigError(`--${name} must be ${allowed.join(' or ')}`);
    return v as T;
  };
  const grants = oneOf<'rbac' | 'everyone'>('platform-grants');
  const targetWrites = oneOf('deployment-target-writes');
  const config: ServerConfig = {
    bindAddress: required('bind-address'),
    securePort: integer('secure-port'),
    tlsCertFile: required('tls-cert-file'),
    tlsKeyFile: required('tls-private-key-file'),
    apiGroup: required('api-group'),
    platforms: platformsOf(get, required, env),
    vvpTimeoutMs: durationMs('vvp-timeout'),
    vvpMaxConcurrentCalls: integer('vvp-max-concurrent-calls', 1),
    pollIntervalMs: durationMs('poll-interval'),
    pollBytesBudget: integer('poll-bytes-budget', 0),
    requestTimeoutMs: durationMs('request-timeout'),
    flowControlSeats: integer('flow-control-seats', 0),
    leaseNamespace: required('lease-namespace'),
    leaseName: required('lease-name'),
    logLevel: oneOf('log-level'),
    platformGrants: grants,
    deploymentTargetWrites: targetWrites === 'true',
    recordKeyFile: required('record-key-file'),
    admissionHelper: required('admission-helper'),
    serverTiming: oneOf('server-timing') === 'true',
    recordMigrationMarker: get('record-migration-marker') ?? `${required('lease-name')}-records-signed`,
  };
  const kubeconfig = get('kubeconfig');
  if (kubeconfig) config.kubeconfig = kubeconfig;
  return config;
}

/** The platforms file's instances, or the one instance of the flag shorthand. */
function platformsOf(get: (name: SettingName) => string | undefined, required: (name: SettingName) => string, env: NodeJS.ProcessEnv): PlatformInstanceConfig[] {
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
