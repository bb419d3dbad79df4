// Starts the VVP emulator as a separate process (as a user would: `node vvp-emulator/bin/vvp-emulator.js`)
// and talks to it over HTTP only. Tests of the emulator and of the product share this helper.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

export interface EmulatorOptions {
  /** Extra command-line flags, e.g. ['--seed', '--timing', 'jobStartMs=50']. */
  args?: string[];
  /** Defaults to a random token. */
  adminToken?: string;
  /** Milliseconds to wait for the emulator to answer (default 15 s). */
  startTimeoutMs?: number;
  /** A tap test: the emulator stops at its teardown and prints its log if the test failed. */
  t?: { teardown(fn: () => unknown): void; passing(): boolean };
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RunningEmulator {
  url: string;
  adminToken: string;
  /** Everything the emulator printed so far (pino JSON lines). */
  log(): string;
  /** Sends a request with the given bearer token (default: the admin token); JSON in, JSON out. */
  request<T = unknown>(method: string, path: string, body?: unknown, token?: string | null): Promise<ApiResponse<T>>;
  stop(): Promise<void>;
}

/** The repository root: the nearest ancestor that holds the emulator's bin. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'vvp-emulator', 'bin', 'vvp-emulator.js'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the repository root (vvp-emulator/bin/vvp-emulator.js)');
    dir = parent;
  }
  return dir;
}

/**
 * The vendor's swagger files, kept next to the repository (never copied into it): VVP_API_DIR, else ../shared/vvp-api
 * beside this checkout, else beside the local repository it was cloned from (a clone in a temporary directory).
 */
export function vvpApiDir(): string {
  const besideCheckout = resolve(repoRoot(), '..', 'shared', 'vvp-api');
  const candidates = [process.env.VVP_API_DIR, besideCheckout];
  try {
    const origin = execFileSync('git', ['-C', repoRoot(), 'config', '--get', 'remote.origin.url'], { encoding: 'utf8' }).trim();
    if (origin.startsWith('/')) candidates.push(resolve(origin, '..', 'shared', 'vvp-api'));
  } catch {
    // not a clone, or no git: only the first two places
  }
  return candidates.find((dir): dir is string => dir !== undefined && existsSync(dir)) ?? besideCheckout;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const adminToken = options.adminToken ?? `admin-${randomBytes(12).toString('hex')}`;
  const bin = join(repoRoot(), 'vvp-emulator', 'bin', 'vvp-emulator.js');
  const args = [bin, '--port', '0', '--admin-token', adminToken, ...(options.args ?? [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));

  const printLog = (why: string) => process.stderr.write(`\n--- vvp-emulator log (${why}) ---\n${output}--- end of vvp-emulator log ---\n`);

  let url: string;
  try {
    url = await waitForUrl(child, () => output, options.startTimeoutMs ?? 90_000);
  } catch (err) {
    child.kill('SIGKILL');
    printLog('it did not start');
    throw err;
  }

  const emulator: RunningEmulator = {
    url,
    adminToken,
    log: () => output,
    request: (method, path, body, token) => request(url, method, path, body, token === undefined ? adminToken : token),
    stop: () => stopProcess(child),
  };
  if (options.t) {
    const t = options.t;
    t.teardown(async () => {
      await emulator.stop();
      if (!t.passing()) printLog('the test failed');
    });
  }
  return emulator;
}

function waitForUrl(child: ChildProcess, output: () => string, timeoutMs: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => done(new Error(`vvp-emulator did not start within ${timeoutMs} ms`)), timeoutMs);
    const poll = setInterval(() => {
      for (const line of output().split('\n')) {
        if (!line.includes('vvp-emulator listening')) continue;
        try {
          const entry = JSON.parse(line) as { url?: string };
          if (entry.url) return done(undefined, entry.url);
        } catch {
          // not a complete JSON line yet
        }
      }
    }, 20);
    const onExit = (code: number | null) => done(new Error(`vvp-emulator exited with code ${code} before it was ready`));
    child.once('exit', onExit);
    function done(err: Error | undefined, url?: string) {
      clearTimeout(timer);
      clearInterval(poll);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolvePromise(url ?? '');
    }
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolvePromise) => child.once('exit', () => resolvePromise()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

export async function request<T = unknown>(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  token?: string | null,
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${url}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body: parsed as T };
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 10000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// ---- Validation against the vendor's swagger (Swagger 2.0 definitions, loaded from ../shared/vvp-api) ----

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

export type SwaggerApi = 'appmanager' | 'platform';

const swaggerFiles: Record<SwaggerApi, string> = {
  appmanager: 'appmanager-2.4.3.swagger.json',
  platform: 'platform-2.4.3.swagger.json',
};

let swaggerAjv: Ajv | undefined;
const swaggerValidators = new Map<string, ValidateFunction>();

/** Errors of `value` against `#/definitions/<definition>` of the vendor's swagger; [] when it conforms. */
export function swaggerErrors(api: SwaggerApi, definition: string, value: unknown): string[] {
  if (!swaggerAjv) {
    swaggerAjv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    addFormats(swaggerAjv);
    for (const format of ['int32', 'int64', 'double', 'float', 'byte']) swaggerAjv.addFormat(format, true);
    for (const [name, file] of Object.entries(swaggerFiles)) {
      const swagger = JSON.parse(readFileSync(join(vvpApiDir(), file), 'utf8')) as { definitions: object };
      // Refs are `#/definitions/X`: giving each file's definitions a root id makes them resolve in place.
      swaggerAjv.addSchema({ $id: name, definitions: swagger.definitions });
    }
  }
  const key = `${api}#/definitions/${definition}`;
  let validate = swaggerValidators.get(key);
  if (!validate) {
    const compiled = swaggerAjv.getSchema(key);
    if (!compiled) throw new Error(`no definition ${definition} in the ${api} swagger`);
    validate = compiled;
    swaggerValidators.set(key, validate);
  }
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

// ---- Small builders for tests that drive deployments through the emulator ----

interface DeploymentLike {
  metadata: { id: string; name: string; resourceVersion: number; modifiedAt: string; createdAt: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { state: string; template: { spec: Record<string, unknown> } } & Record<string, unknown>;
  status: { state: string; running?: { jobId: string } };
}
export type Deployment = DeploymentLike;

/** A deployment body with a JAR artifact on target `default`; `jarUri` may carry failure markers (see the emulator README). */
export function jarDeployment(
  name: string,
  options: { state?: string; jarUri?: string; spec?: Record<string, unknown>; labels?: Record<string, string>; template?: Record<string, unknown> } = {},
): object {
  return {
    kind: 'Deployment',
    apiVersion: 'v1',
    metadata: { name, ...(options.labels ? { labels: options.labels } : {}) },
    spec: {
      state: options.state ?? 'CANCELLED',
      deploymentTargetName: 'default',
      template: {
        spec: {
          artifact: { kind: 'JAR', jarUri: options.jarUri ?? 's3://artifacts/top-speed.jar', entryClass: 'com.example.TopSpeed' },
          parallelism: 2,
          ...options.template,
        },
      },
      ...options.spec,
    },
  };
}

/** Waits until the deployment's observed status.state is `state`, and returns it. */
export async function waitForStatus(emulator: RunningEmulator, namespace: string, name: string, state: string, timeoutMs = 10000): Promise<Deployment> {
  return waitFor(`deployment ${name} to reach ${state}`, async () => {
    const response = await emulator.request<Deployment>('GET', `/api/v1/namespaces/${namespace}/deployments/${name}`);
    return response.body.status?.state === state ? response.body : undefined;
  }, timeoutMs);
}

/** The names of a deployment's events, oldest first. */
export async function eventNames(emulator: RunningEmulator, namespace: string, deploymentId: string): Promise<string[]> {
  const response = await emulator.request<{ items: { metadata: { name: string } }[] }>(
    'GET',
    `/api/v1/namespaces/${namespace}/events?deploymentId=${deploymentId}`,
  );
  return response.body.items.map((e) => e.metadata.name);
}
