// What GitOps tools conclude about live objects, computed by their own code: kstatus (the Go library Flux, kpt and
// cli-utils use, via tools/kstatus), the CEL healthCheckExprs of apiservice/flux/kustomization.yaml (cel-go, in the
// same program) and Argo CD's Lua health check (apiservice/argocd/health.lua, run by a real
// Lua interpreter with `obj` given as Argo CD gives it: the object as a Lua table, JSON null left out).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import yaml from 'js-yaml';
import { runCommand } from '../../tools/cluster/control-plane.js';

export const ARGOCD_HEALTH_SCRIPT = resolve('apiservice/argocd/health.lua');
export const FLUX_KUSTOMIZATION = resolve('apiservice/flux/kustomization.yaml');

export interface KstatusResult {
  name: string;
  namespace?: string;
  status: KstatusStatus;
  message: string;
  /** What Flux concludes from the healthCheckExprs of FLUX_KUSTOMIZATION. */
  cel: KstatusStatus;
}
export type KstatusStatus = 'InProgress' | 'Failed' | 'Current' | 'Terminating' | 'NotFound' | 'Unknown';

let scratch: string | undefined;
function scratchDir(): string {
  scratch ??= mkdtempSync(join(tmpdir(), 'gitops-tools-'));
  return scratch;
}

let celFile: string | undefined;
/** The VvpDeployment entry of the shipped Flux Kustomization's healthCheckExprs, as a JSON file for tools/kstatus. */
function fluxExprsFile(): string {
  if (celFile) return celFile;
  const k = yaml.load(readFileSync(FLUX_KUSTOMIZATION, 'utf8')) as { spec: { healthCheckExprs: { kind: string }[] } };
  const entry = k.spec.healthCheckExprs.find((e) => e.kind === 'VvpDeployment');
  if (!entry) throw new Error(`${FLUX_KUSTOMIZATION} has no healthCheckExprs entry for VvpDeployment`);
  celFile = join(scratchDir(), 'flux-health-check-exprs.json');
  writeFileSync(celFile, JSON.stringify(entry));
  return celFile;
}

let kstatusBin: string | undefined;

/** The kstatus checker: $KSTATUS_BIN (make test builds it), else built now by tools/kstatus/build.sh (cached). */
function kstatusBinary(): string {
  kstatusBin ??= process.env.KSTATUS_BIN || execFileSync(resolve('tools/kstatus/build.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  return kstatusBin;
}

/** sigs.k8s.io/cli-utils/pkg/kstatus/status.Compute of one object (or of each item of a List). */
export async function kstatus(object: unknown): Promise<KstatusResult[]> {
  const res = await runCommand(kstatusBinary(), ['-cel', fluxExprsFile()], { input: JSON.stringify(object) });
  if (res.code !== 0) throw new Error(`kstatus failed: ${res.stderr}`);
  return res.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as KstatusResult);
}

export async function kstatusOf(object: unknown): Promise<KstatusResult> {
  const [result] = await kstatus(object);
  if (!result) throw new Error('kstatus printed nothing');
  return result;
}

/** A JSON value as a Lua expression: objects and arrays as tables (arrays from index 1), null left out. */
export function luaLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (typeof value === 'string') return luaString(value);
  if (Array.isArray(value)) return `{${value.filter((v) => v !== null).map(luaLiteral).join(', ')}}`;
  const fields = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== null && v !== undefined);
  return `{${fields.map(([k, v]) => `[${luaString(k)}] = ${luaLiteral(v)}`).join(', ')}}`;
}

function luaString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (code >= 0x20 && code < 0x7f) out += ch;
    else out += `\\u{${code.toString(16)}}`;
  }
  return `${out}"`;
}

export interface ArgoHealth {
  status: 'Healthy' | 'Progressing' | 'Degraded' | 'Suspended' | 'Missing' | 'Unknown';
  message: string;
}

const LUA = process.env.LUA ?? 'lua5.4';

/**
 * Runs the health script as Argo CD does: a chunk with the global `obj`, whose returned table's status and message
 * are read back.
 */
export async function argoHealth(object: unknown, script = ARGOCD_HEALTH_SCRIPT): Promise<ArgoHealth> {
  const harness = join(scratchDir(), `argocd-${Math.random().toString(36).slice(2)}.lua`);
  writeFileSync(harness, [
    `obj = ${luaLiteral(object)}`,
    `local check = assert(loadfile(${luaString(script)}))`,
    'local hs = check()',
    'io.write(tostring(hs.status), "\\n", tostring(hs.message))',
  ].join('\n'));
  const res = await runCommand(LUA, [harness]);
  if (res.code !== 0) throw new Error(`the health script failed (${LUA}; apt-get install lua5.4 if it is missing): ${res.stderr}`);
  const [status = '', ...message] = res.stdout.split('\n');
  return { status: status as ArgoHealth['status'], message: message.join('\n') };
}
