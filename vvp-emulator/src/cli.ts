// The emulator's command line and environment, read into EmulatorOptions; kept apart from main.ts so tests check it.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isRole } from './auth.js';
import type { EmulatorOptions, TokenOption } from './server.js';
import { scaled, timingKeys, timingPresets, type Timings } from './timings.js';

export const usage = `vvp-emulator: an emulator of the Ververica Platform 2.4.3 REST API (AppManager + Platform API)

Usage: vvp-emulator [options]

Options:
  --host HOST                  address to listen on (default 127.0.0.1)
  --port N                     port to listen on; 0 picks a free one (default 8080)
  --tls-cert FILE              serve HTTPS with this PEM certificate (needs --tls-key)
  --tls-key FILE               PEM private key for --tls-cert
  --admin-token TOKEN          token that owns every namespace and may use the /__emulator admin API
                               (default: $VVP_EMULATOR_ADMIN_TOKEN; without one there is no admin API)
  --admin-operator-instance ID the admin token also acts as Kubernetes operator instance ID (write protection)
  --token SECRET:ROLE:NS[:ID]  an extra API token (repeatable): ROLE viewer|editor|owner, NS a namespace or *
                               for all, ID an operator instance the token acts as (write protection)
  --timings fast|realistic     transition timing preset (default fast: sub-second, for tests;
                               realistic: seconds, for demos)
  --speed FACTOR               divide every transition duration by FACTOR (2 = twice as fast)
  --timing KEY=MS              set one duration in milliseconds (repeatable), after --timings/--speed;
                               KEY is one of ${timingKeys.join(', ')}
  --seed                       also create deployment target "default" and an example deployment "top-speed"
                               (namespace "default" always exists)
  --data-file FILE             keep state in FILE (JSON) across restarts; default: in memory only
  --log-level LEVEL            pino log level: fatal, error, warn, info, debug, trace, silent (default info)
  -h, --help                   show this help
`;

export class UsageError extends Error {}

function parseToken(value: string): TokenOption {
  const [secret, role, namespace, operatorInstance, ...rest] = value.split(':');
  if (!secret || !role || !namespace || rest.length > 0) throw new UsageError(`--token must be SECRET:ROLE:NAMESPACE[:OPERATOR_INSTANCE], got "${value.replace(/^[^:]*/, '***')}"`);
  if (!isRole(role)) throw new UsageError(`--token: role must be viewer, editor or owner, got "${role}"`);
  return { secret, role, namespace, ...(operatorInstance ? { operatorInstance } : {}) };
}

function parseTimings(preset: string, speed: string | undefined, overrides: string[]): Timings {
  if (preset !== 'fast' && preset !== 'realistic') throw new UsageError(`--timings must be fast or realistic, got "${preset}"`);
  const factor = speed === undefined ? 1 : Number(speed);
  if (!(factor > 0)) throw new UsageError(`--speed must be a positive number, got "${speed}"`);
  const timings = scaled(timingPresets[preset], factor);
  for (const override of overrides) {
    const [key, ms] = override.split('=');
    if (!timingKeys.includes(key as keyof Timings)) throw new UsageError(`--timing: unknown key "${key}" (one of ${timingKeys.join(', ')})`);
    const value = Number(ms);
    if (!Number.isInteger(value) || value < 0) throw new UsageError(`--timing ${key}: milliseconds must be a non-negative integer`);
    timings[key as keyof Timings] = value;
  }
  return timings;
}

export function parseCommandLine(argv: string[], env: NodeJS.ProcessEnv): { help: true } | { help: false; options: EmulatorOptions } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '8080' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'admin-token': { type: 'string' },
        'admin-operator-instance': { type: 'string' },
        token: { type: 'string', multiple: true, default: [] },
        timings: { type: 'string', default: 'fast' },
        speed: { type: 'string' },
        timing: { type: 'string', multiple: true, default: [] },
        seed: { type: 'boolean', default: false },
        'data-file': { type: 'string' },
        'log-level': { type: 'string', default: 'info' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) return { help: true };
  const port = Number(v.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0..65535, got "${v.port}"`);
  if (Boolean(v['tls-cert']) !== Boolean(v['tls-key'])) throw new UsageError('--tls-cert and --tls-key go together');
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  if (!levels.includes(v['log-level'])) throw new UsageError(`--log-level must be one of ${levels.join(', ')}`);
  const adminToken = v['admin-token'] ?? env.VVP_EMULATOR_ADMIN_TOKEN;
  return {
    help: false,
    options: {
      host: v.host,
      port,
      ...(v['tls-cert'] && v['tls-key'] ? { tls: { cert: readFileSync(v['tls-cert'], 'utf8'), key: readFileSync(v['tls-key'], 'utf8') } } : {}),
      ...(adminToken ? { adminToken } : {}),
      ...(v['admin-operator-instance'] ? { adminOperatorInstance: v['admin-operator-instance'] } : {}),
      tokens: v.token.map(parseToken),
      timings: parseTimings(v.timings, v.speed, v.timing),
      seed: v.seed,
      ...(v['data-file'] ? { dataFile: v['data-file'] } : {}),
      logLevel: v['log-level'],
    },
  };
}
