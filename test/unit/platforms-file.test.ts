// The platforms file: what a platform team writes, what it is refused for (saying where), and that the flag shorthand
// is the one-instance case of the same list.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ConfigError, loadConfig } from '../../apiserver/config.js';
import { parsePlatforms } from '../../apiserver/platforms-file.js';

const two = `
platforms:
- instanceId: prod
  url: https://vvp.prod.example/
  tokenFile: /var/run/vvp/prod/token
  namespaces: [default, team-a]
  caFile: /etc/vvp/ca.pem
  displayName: Production
- instanceId: staging
  url: http://vvp.staging.svc
  tokenFile: /var/run/vvp/staging/token
`;

t.test('two instances, with defaults for what is left out', async (t) => {
  t.same(parsePlatforms(two), [
    { instanceId: 'prod', url: 'https://vvp.prod.example', tokenFile: '/var/run/vvp/prod/token', namespaces: ['default', 'team-a'], caFile: '/etc/vvp/ca.pem', displayName: 'Production' },
    { instanceId: 'staging', url: 'http://vvp.staging.svc', tokenFile: '/var/run/vvp/staging/token', namespaces: ['default'] },
  ]);
});

t.test('refusals say which entry and which setting', async (t) => {
  const cases: [string, RegExp][] = [
    ['platforms: []', /non-empty list "platforms"/],
    ['platforms:\n- {url: http://a, tokenFile: /t}', /platforms\[0\]\.instanceId is required/],
    ['platforms:\n- {instanceId: "a/b", url: http://a, tokenFile: /t}', /platforms\[0\]\.instanceId "a\/b" must be a valid label value/],
    ['platforms:\n- {instanceId: a, url: ftp://a, tokenFile: /t}', /platforms\[0\]\.url must be http or https/],
    ['platforms:\n- {instanceId: a, url: http://a, tokenFile: /t, token: x}', /platforms\[0\]\.token is not a known setting/],
    ['platforms:\n- {instanceId: a, url: http://a, tokenFile: /t, namespaces: [Bad]}', /"Bad" is not a platform namespace name/],
    ['platforms:\n- {instanceId: a, url: http://a, tokenFile: /t}\n- {instanceId: a, url: http://b, tokenFile: /u}', /instanceId "a" is given twice/],
    ['platforms: [', /is not YAML/],
    [`platforms: ["${'x'.repeat(300_000)}"]`, /larger than/],
  ];
  for (const [text, message] of cases) t.throws(() => parsePlatforms(text), { message }, text.slice(0, 80));
});

t.test('the server reads the file with --platforms-file; the flags are the one-instance shorthand', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'platforms-'));
  const file = join(dir, 'platforms.yaml');
  writeFileSync(file, two);
  const base = ['--tls-cert-file=c', '--tls-private-key-file=k', '--record-key-file=r', '--admission-helper=h'];
  const fromFile = loadConfig([...base, `--platforms-file=${file}`], {});
  t.same(fromFile !== 'help' && fromFile.platforms.map((p) => `${p.instanceId}:${p.displayName}`), ['prod:Production', 'staging:Ververica Platform'], 'the display name defaults to --vvp-display-name');
  const shorthand = loadConfig([...base, '--vvp-url=http://vvp/', '--instance-id=one', '--vvp-namespaces=a,b'], { VVP_TOKEN: 's3cret' });
  t.same(shorthand !== 'help' && shorthand.platforms, [{ instanceId: 'one', url: 'http://vvp', token: 's3cret', namespaces: ['a', 'b'], displayName: 'Ververica Platform' }]);
  try {
    loadConfig([...base, `--platforms-file=${join(dir, 'missing.yaml')}`], {});
    t.fail('a missing platforms file is refused');
  } catch (err) {
    t.ok(err instanceof ConfigError, 'as a configuration error (exit 2 with the usage)');
    t.match((err as Error).message, /cannot read the platforms file .*missing\.yaml/);
  }
});
