// The server's flags as an operator writes them: durations with their unit, the older bare numbers still meaning what
// they meant (milliseconds for --vvp-timeout and --poll-interval, seconds for --request-timeout), environment
// variables with the unit in their names, and a wrong value refused naming the flag.
import t from 'tap';
import { ConfigError, loadConfig, parseDuration, type ServerConfig } from '../../apiserver/config.js';

const base = ['--tls-cert-file=c', '--tls-private-key-file=k', '--record-key-file=r', '--admission-helper=h', '--vvp-url=http://vvp/'];
const env = { VVP_TOKEN: 's3cret' };
const load = (args: string[], more: NodeJS.ProcessEnv = {}) => loadConfig([...base, ...args], { ...env, ...more }) as ServerConfig;

t.test('the defaults: 10 s platform timeout, 1 s poll, 60 s request timeout, a 4 MB/s budget', async (t) => {
  const c = load([]);
  t.same([c.vvpTimeoutMs, c.pollIntervalMs, c.requestTimeoutMs, c.pollBytesBudget], [10_000, 1_000, 60_000, 4_000_000]);
});

t.test('durations take Go units', async (t) => {
  const c = load(['--vvp-timeout=2s', '--poll-interval=500ms', '--request-timeout=1m30s']);
  t.same([c.vvpTimeoutMs, c.pollIntervalMs, c.requestTimeoutMs], [2_000, 500, 90_000]);
  t.equal(parseDuration('1.5s', 'ms'), 1_500);
  t.equal(parseDuration('1h', 's'), 3_600_000);
});

t.test('a bare number keeps its older unit, on the flag and in the environment', async (t) => {
  const flags = load(['--vvp-timeout=2500', '--poll-interval=250', '--request-timeout=30']);
  t.same([flags.vvpTimeoutMs, flags.pollIntervalMs, flags.requestTimeoutMs], [2_500, 250, 30_000]);
  const fromEnv = load([], { VVP_TIMEOUT_MS: '7000', POLL_INTERVAL_MS: '2000', REQUEST_TIMEOUT_SECONDS: '45' });
  t.same([fromEnv.vvpTimeoutMs, fromEnv.pollIntervalMs, fromEnv.requestTimeoutMs], [7_000, 2_000, 45_000]);
  t.equal(load(['--poll-interval=3s'], { POLL_INTERVAL_MS: '2000' }).pollIntervalMs, 3_000, 'the flag wins over the environment');
});

t.test('--poll-bytes-budget=0 turns the budget off, as documented', async (t) => {
  t.equal(load(['--poll-bytes-budget=0']).pollBytesBudget, 0);
});

t.test('a wrong value is refused naming the flag and what it takes', async (t) => {
  t.throws(() => load(['--poll-interval=soon']), new ConfigError('--poll-interval must be a positive duration such as 1s, 500ms or 1m30s (a bare number is in ms): "soon"'));
  t.throws(() => load(['--request-timeout=0s']), /--request-timeout must be a positive duration/);
  t.throws(() => load(['--poll-bytes-budget=-1']), /--poll-bytes-budget must be a non-negative integer/);
  t.throws(() => load(['--platform-grants=some']), /--platform-grants must be rbac or everyone/);
  t.throws(() => load(['--deployment-target-writes=yes']), /--deployment-target-writes must be true or false/);
  t.throws(() => load(['--log-level=loud']), /--log-level must be fatal or error or warn or info or debug or trace or silent/);
});
