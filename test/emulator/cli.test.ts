// The `vvp-emulator` command: --help lists every flag, bad flags are refused, TLS serves HTTPS,
// extra tokens and timings come from the command line.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { repoRoot, startEmulator } from '../support/emulator.js';

const run = promisify(execFile);
const bin = join(repoRoot(), 'vvp-emulator', 'bin', 'vvp-emulator.js');

t.test('--help lists every flag', async (t) => {
  const { stdout } = await run(process.execPath, [bin, '--help']);
  for (const flag of ['--host', '--port', '--tls-cert', '--tls-key', '--admin-token', '--admin-operator-instance', '--token', '--timings', '--speed', '--timing', '--seed', '--data-file', '--log-level', '--help']) {
    t.match(stdout, flag, `mentions ${flag}`);
  }
});

t.test('bad flags are refused with exit code 2 and the usage', async (t) => {
  const cases = [['--no-such-flag'], ['--token', 'secret:admin:default'], ['--timings', 'slow'], ['--timing', 'nonsense=1'], ['--port', 'x']];
  const results = await Promise.all(
    cases.map((args) =>
      run(process.execPath, [bin, ...args]).then(
        () => ({ code: 0, stderr: '' }),
        (err: { code: number; stderr: string }) => err,
      ),
    ),
  );
  results.forEach((result, i) => {
    t.equal(result.code, 2, `${cases[i]?.join(' ')} exits with 2`);
    t.match(result.stderr, /Usage: vvp-emulator/);
  });
});

t.test('--tls-cert/--tls-key serve HTTPS', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vvp-emulator-tls-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  const emu = await startEmulator({ args: ['--log-level', 'warn', '--tls-cert', cert, '--tls-key', key], t });
  t.match(emu.url, /^https:\/\//);
  const status = await new Promise<number>((resolve, reject) => {
    const req = httpsRequest(`${emu.url}/api/v1/status`, { rejectUnauthorized: false, headers: { authorization: `Bearer ${emu.adminToken}` } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
  t.equal(status, 200);
});

t.test('--port N --admin-token T works as written: an owner of every namespace, namespace default present', async (t) => {
  const emu = await startEmulator({ args: ['--log-level', 'warn', '--token', 'reader-secret:viewer:*', '--timing', 'jobStartMs=5', '--speed', '2'], t });
  const namespaces = await emu.request<{ namespaces: { name: string }[] }>('GET', '/namespaces/v1/namespaces');
  t.same(namespaces.body.namespaces.map((n) => n.name), ['namespaces/default']);
  t.equal((await emu.request('GET', '/api/v1/namespaces/default/deployments', undefined, 'reader-secret')).status, 200, 'a --token for every namespace');
  const timings = await emu.request<{ jobStartMs: number; jobStopMs: number }>('GET', '/__emulator/timings');
  t.equal(timings.body.jobStartMs, 5, '--timing overrides');
  t.equal(timings.body.jobStopMs, 40, '--speed 2 halves the fast preset');
  t.notMatch(emu.log(), emu.adminToken, 'the admin token is never logged');
});
