// The chart's values as an operator mistypes them, through the real helm: values.schema.json (generated from
// apiservice/chart-values.ts) refuses a value of the wrong type and a key the chart does not know, naming it, in
// `helm template` and `helm lint --strict` alike; the defaults and every documented shape pass. No cluster needed.
import { join, resolve } from 'node:path';
import t from 'tap';
import { runCommand } from '../../tools/cluster/control-plane.js';

const chart = resolve('apiservice/chart/vvp-apiserver');
const binDir = process.env.K8S_BIN_DIR;
if (!binDir) throw new Error('K8S_BIN_DIR is not set (make test sets it)');
const helm = (args: string[]) => runCommand(join(binDir, 'helm'), args, { env: { HOME: resolve('.state', 'helm-home') } });
const template = (sets: string[]) => helm(['template', 'vvp', chart, '--namespace', 'vvp-system', '--set', 'vvp.token=x', ...sets]);

t.test('the defaults and the documented shapes pass, also under helm lint --strict', async (t) => {
  const lint = await helm(['lint', '--strict', chart, '--set', 'vvp.token=x']);
  t.equal(lint.code, 0, lint.stdout + lint.stderr);
  const shapes = [
    ['--set', 'vvp.timeoutMs=2000', '--set', 'replicaCount=3', '--set', 'podDisruptionBudget.minAvailable=50%', '--set', 'tenancy.grantEveryone=true'],
    ['--set', 'tls.mode=certManager', '--set', 'tls.certManager.issuerRef.name=ca', '--set', 'tls.certManager.issuerRef.kind=ClusterIssuer'],
    ['--set-json', 'platforms=[{"instanceId":"prod","url":"https://vvp","tokenSecret":{"name":"t","key":"token"},"namespaces":["a"],"adoptFrom":[{"instanceId":"op","tokenSecret":{"name":"o"},"markLabel":"m"}]}]'],
    ['--set', 'resources.limits.cpu=2', '--set', 'nodeSelector.zone=a', '--set-json', 'tolerations=[{"key":"k","operator":"Exists"}]'],
  ];
  for (const sets of shapes) {
    const res = await template(sets);
    t.equal(res.code, 0, `${sets.join(' ')}: ${res.stderr}`);
  }
});

const refusals: [string, string[], RegExp][] = [
  ['a number given as text', ['--set', 'vvp.timeoutMs=soon'], /timeoutMs/],
  ['a boolean given as text', ['--set', 'tenancy.grantEveryone=maybe'], /grantEveryone/],
  ['a misspelt top-level key', ['--set', 'replicas=3'], /replicas/],
  ['a misspelt nested key', ['--set', 'vvp.namespace=team-a'], /namespace/],
  ['an unknown TLS mode', ['--set', 'tls.mode=selfSigned'], /mode/],
  ['a log level pino does not know', ['--set', 'logLevel=verbose'], /logLevel/],
  ['a negative bytes budget', ['--set', 'vvp.pollBytesBudget=-1'], /pollBytesBudget/],
  ['an unknown key in a platform', ['--set-json', 'platforms=[{"instanceId":"p","url":"u","tokenSecret":{"name":"t"},"tokenFile":"/x"}]'], /tokenFile/],
  ['a platform without its token Secret', ['--set-json', 'platforms=[{"instanceId":"p","url":"u"}]'], /tokenSecret/],
];

t.test('a wrong type or an unknown key is refused, naming the value', async (t) => {
  for (const [what, sets, names] of refusals) {
    const res = await template(sets);
    t.not(res.code, 0, `${what} (${sets.join(' ')}) is refused`);
    t.match(res.stderr, /values don't meet the specifications of the schema/, `${what}: refused by values.schema.json`);
    t.match(res.stderr, names, `${what}: the message names the value: ${res.stderr.trim()}`);
  }
});

t.test('helm lint --strict refuses them too', async (t) => {
  const res = await helm(['lint', '--strict', chart, '--set', 'vvp.token=x', '--set', 'replicas=3']);
  t.not(res.code, 0, 'an unknown key fails the lint');
  t.match(res.stdout + res.stderr, /replicas/, 'naming it');
});
