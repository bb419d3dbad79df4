// The platforms file: the Ververica Platform installations this server serves, one entry per platform instance
// (the chart renders it from `platforms:` values, the local stack writes one). The flags --instance-id, --vvp-url,
// --vvp-token-file, --vvp-namespaces, --vvp-ca-file stay as the shorthand for a single instance.
//
//   platforms:
//   - instanceId: prod            # the `ververica.platform/owner` label value of its objects
//     url: https://vvp.prod.example
//     tokenFile: /var/run/vvp/prod/token   # re-read when it changes (a mounted Secret updates in place)
//     namespaces: [default, team-a]
//     caFile: /etc/vvp/prod-ca.pem         # optional
//     displayName: production              # optional, how messages users read name it (default --vvp-display-name)
//     adoptFrom:                           # optional: Ververica operator instances whose deployments may be adopted
//     - {instanceId: vvp-operator-prod, tokenFile: /var/run/vvp/operator/token, markLabel: ververica.platform/managed-by}
//       # optional: where that operator recorded its object's Kubernetes namespace/name on the platform deployment
//       #   recordedNamespaceKey: ververica.platform/kubernetes-namespace, recordedNameKey: ververica.platform/kubernetes-name
//       # optional: Kubernetes namespace -> the platform deployments its objects may adopt (`<pns>/<name>`, `<pns>/*`)
//       #   allow: {team-a: [default/orders, default/payments]}

import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';

export interface PlatformInstanceConfig {
  instanceId: string;
  url: string;
  /** File holding the platform token; re-read when it changes. */
  tokenFile?: string;
  /** The token itself (only from $VVP_TOKEN with the flag shorthand). */
  token?: string;
  namespaces: string[];
  caFile?: string;
  /** How messages users read name it (config.ts defaults it to --vvp-display-name). */
  displayName?: string;
  /** Previous operator instances (Ververica's operator) whose deployments may be adopted, each with its token. */
  adoptFrom?: { instanceId: string; tokenFile: string; markLabel?: string; recordedNamespaceKey?: string; recordedNameKey?: string; allow?: Record<string, string[]> }[];
}

export class PlatformsFileError extends Error {}

/** A label value (the owner label's): at most 63 characters, alphanumerics and `-_.` inside. */
const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const PLATFORM_NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const MAX_FILE_BYTES = 256 * 1024;
const KNOWN_KEYS = new Set(['instanceId', 'url', 'tokenFile', 'namespaces', 'caFile', 'displayName', 'adoptFrom']);

function adoptFromList(value: unknown, where: string): NonNullable<PlatformInstanceConfig['adoptFrom']> {
  if (!Array.isArray(value)) throw new PlatformsFileError(`${where} must be a list of {instanceId, tokenFile, markLabel?}`);
  return value.map((v: unknown, i) => {
    const e = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
    if (typeof e.instanceId !== 'string' || !LABEL_VALUE.test(e.instanceId)) throw new PlatformsFileError(`${where}[${i}].instanceId must be a label value`);
    if (typeof e.tokenFile !== 'string' || !e.tokenFile) throw new PlatformsFileError(`${where}[${i}].tokenFile is required: the previous operator's token (only it may release its write protection)`);
    for (const key of ['markLabel', 'recordedNamespaceKey', 'recordedNameKey'] as const) {
      if (e[key] !== undefined && (typeof e[key] !== 'string' || e[key] === '')) throw new PlatformsFileError(`${where}[${i}].${key} must be a non-empty string`);
    }
    const allow = e.allow === undefined ? undefined : allowList(e.allow, `${where}[${i}].allow`);
    const optional = Object.fromEntries((['markLabel', 'recordedNamespaceKey', 'recordedNameKey'] as const).filter((k) => e[k] !== undefined).map((k) => [k, e[k] as string]));
    return { instanceId: e.instanceId, tokenFile: e.tokenFile, ...optional, ...(allow ? { allow } : {}) };
  });
}

/** `{<Kubernetes namespace>: [<platform namespace>/<name or *>, …]}`. */
function allowList(value: unknown, where: string): Record<string, string[]> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new PlatformsFileError(`${where} must map Kubernetes namespaces to lists of <platform namespace>/<deployment name or *>`);
  const out: Record<string, string[]> = {};
  for (const [ns, list] of Object.entries(value)) {
    const names = stringList(list, `${where}.${ns}`);
    if (names.some((n) => !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[^/]+$/.test(n))) throw new PlatformsFileError(`${where}.${ns} entries must be <platform namespace>/<deployment name or *>`);
    out[ns] = names;
  }
  return out;
}

function stringList(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) throw new PlatformsFileError(`${where} must be a list of non-empty strings`);
  return value as string[];
}

/** Checks instance ids and namespaces (also of the flag shorthand). */
export function checkInstance(p: PlatformInstanceConfig, where: string): PlatformInstanceConfig {
  if (!LABEL_VALUE.test(p.instanceId)) throw new PlatformsFileError(`${where}.instanceId ${JSON.stringify(p.instanceId)} must be a valid label value (it is the ververica.platform/owner label of its objects)`);
  let url: URL;
  try {
    url = new URL(p.url);
  } catch {
    throw new PlatformsFileError(`${where}.url ${JSON.stringify(p.url)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new PlatformsFileError(`${where}.url must be http or https`);
  if (p.namespaces.length === 0) throw new PlatformsFileError(`${where}.namespaces names no platform namespace`);
  for (const ns of p.namespaces) if (!PLATFORM_NAMESPACE.test(ns)) throw new PlatformsFileError(`${where}.namespaces: ${JSON.stringify(ns)} is not a platform namespace name`);
  if (!p.tokenFile && !p.token) throw new PlatformsFileError(`${where}.tokenFile is required`);
  return { ...p, url: p.url.replace(/\/+$/, '') };
}

export function parsePlatforms(text: string, source = 'platforms file'): PlatformInstanceConfig[] {
  if (Buffer.byteLength(text) > MAX_FILE_BYTES) throw new PlatformsFileError(`${source} is larger than ${MAX_FILE_BYTES} bytes`);
  let doc: unknown;
  try {
    doc = yaml.load(text, { schema: yaml.CORE_SCHEMA });
  } catch (err) {
    throw new PlatformsFileError(`${source} is not YAML: ${(err as Error).message}`);
  }
  const list = (doc as { platforms?: unknown } | null)?.platforms;
  if (!Array.isArray(list) || list.length === 0) throw new PlatformsFileError(`${source} must hold a non-empty list "platforms"`);
  const platforms = list.map((entry: unknown, i) => {
    const where = `platforms[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new PlatformsFileError(`${where} must be a mapping`);
    const e = entry as Record<string, unknown>;
    for (const key of Object.keys(e)) if (!KNOWN_KEYS.has(key)) throw new PlatformsFileError(`${where}.${key} is not a known setting (${[...KNOWN_KEYS].join(', ')})`);
    for (const key of ['instanceId', 'url', 'tokenFile'] as const) {
      if (typeof e[key] !== 'string' || e[key] === '') throw new PlatformsFileError(`${where}.${key} is required (a string)`);
    }
    for (const key of ['caFile', 'displayName'] as const) {
      if (e[key] !== undefined && typeof e[key] !== 'string') throw new PlatformsFileError(`${where}.${key} must be a string`);
    }
    const p: PlatformInstanceConfig = {
      instanceId: e.instanceId as string, url: e.url as string, tokenFile: e.tokenFile as string,
      namespaces: stringList(e.namespaces ?? ['default'], `${where}.namespaces`),
      ...(e.caFile ? { caFile: e.caFile as string } : {}),
      ...(e.displayName ? { displayName: e.displayName as string } : {}),
      ...(e.adoptFrom !== undefined ? { adoptFrom: adoptFromList(e.adoptFrom, `${where}.adoptFrom`) } : {}),
    };
    return checkInstance(p, where);
  });
  const ids = platforms.map((p) => p.instanceId);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice) throw new PlatformsFileError(`instanceId ${JSON.stringify(twice)} is given twice`);
  return platforms;
}

export function readPlatformsFile(path: string): PlatformInstanceConfig[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new PlatformsFileError(`cannot read the platforms file ${path}: ${(err as Error).message}`);
  }
  return parsePlatforms(text, `platforms file ${path}`);
}
