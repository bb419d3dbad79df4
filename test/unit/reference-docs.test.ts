// Every setting in one place, and the reference true to it: the generated files are what apiserver/settings.ts and
// apiservice/chart-values.ts give, values.yaml holds exactly the declared values (and passes its own schema), the chart's
// Deployment passes only known flags from declared values, and every metric the server registers has its row.
// A flag, chart value or metric added without its reference entry fails here.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import t from 'tap';
import yaml from 'js-yaml';
import { usage } from '../../apiserver/config.js';
import { settings, type Setting } from '../../apiserver/settings.js';
import { chartValues } from '../../apiservice/chart-values.js';
import { CHART_DIR, GENERATED, renderChartValuesMarkdown, renderFlagsMarkdown, renderValuesSchema, undeclaredValues, valueAt } from '../../tools/reference/render.js';

const valuesYaml = readFileSync(`${CHART_DIR}/values.yaml`, 'utf8');
const values = yaml.load(valuesYaml);
const templates = readdirSync(`${CHART_DIR}/templates`).map((f) => readFileSync(join(CHART_DIR, 'templates', f), 'utf8')).join('\n');

t.test('the generated reference is what the tables give (run make reference after changing them)', async (t) => {
  t.equal(readFileSync(GENERATED.flags, 'utf8'), renderFlagsMarkdown(), `${GENERATED.flags} is up to date`);
  t.equal(readFileSync(GENERATED.chartValues, 'utf8'), renderChartValuesMarkdown(valuesYaml), `${GENERATED.chartValues} is up to date`);
  t.equal(readFileSync(GENERATED.schema, 'utf8'), renderValuesSchema(), `${GENERATED.schema} is up to date`);
});

t.test('--help lists every flag with its environment variable', async (t) => {
  const help = usage();
  for (const [name, s] of Object.entries(settings) as [string, Setting][]) {
    t.match(help, new RegExp(`--${name} .*\\[\\$${s.env}\\]`), `--${name}`);
  }
});

t.test('values.yaml holds exactly the declared chart values, and passes the schema generated from them', async (t) => {
  t.same(undeclaredValues(values), [], 'every key of values.yaml has its row in apiservice/chart-values.ts');
  const missing = Object.keys(chartValues).filter((path) => valueAt(values, path) === undefined);
  t.same(missing, [], 'every declared value has its default in values.yaml');
  const validate = new Ajv({ strict: false, allErrors: true }).compile(JSON.parse(renderValuesSchema()) as object);
  t.ok(validate(values), `the defaults pass values.schema.json: ${JSON.stringify(validate.errors)}`);
});

t.test('the chart reads only declared values and passes only known flags', async (t) => {
  const read = [...new Set([...templates.matchAll(/\.Values\.([A-Za-z0-9_.]+)/g)].map((m) => m[1]!))];
  const declared = (path: string) => Object.keys(chartValues).some((p) => p === path || path.startsWith(`${p}.`));
  t.same(read.filter((p) => !declared(p)), [], 'every .Values path the templates read is declared');
  const deployment = readFileSync(`${CHART_DIR}/templates/deployment.yaml`, 'utf8');
  const args = deployment.slice(deployment.indexOf('args:'), deployment.indexOf('env:'));
  const passed = [...new Set([...args.matchAll(/--([a-z][a-z-]+)=/g)].map((m) => m[1]!))];
  t.ok(passed.length > 10, `the Deployment's arguments were found (${passed.length})`);
  t.same(passed.filter((f) => !(f in settings)), [], 'every flag the Deployment passes is in apiserver/settings.ts');
  for (const [name, s] of Object.entries(settings) as [string, Setting][]) {
    const source = s.chart;
    if (source === 'unset') {
      t.notOk(passed.includes(name), `--${name} is said to be left at its default by the chart`);
    } else {
      t.ok(passed.includes(name), `--${name} is said to be set by the chart, and the Deployment passes it`);
      if (!('fixed' in source)) t.equal(chartValues[source.value]?.flag, name, `chart value ${source.value} names --${name} back`);
    }
  }
  for (const [path, v] of Object.entries(chartValues)) {
    if (v.flag) t.ok(v.flag in settings, `${path} sets --${v.flag}, a known flag`);
  }
});

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

t.test('every metric the server registers has its row in docs/reference/metrics.md, and no row is stale', async (t) => {
  const registered = new Set(sources('apiserver').flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/new (?:Counter|Gauge|Histogram|Summary)(?:<[^>]*>)?\(\{\s*name: ['"`]([a-z_:]+)['"`]/g)].map((m) => m[1]!)));
  t.ok(registered.size >= 10, `metrics found in apiserver/ (${registered.size})`);
  const reference = readFileSync('docs/reference/metrics.md', 'utf8');
  const documented = new Set([...reference.matchAll(/^\| `([a-z_:]+)` \|/gm)].map((m) => m[1]!));
  t.same([...registered].filter((m) => !documented.has(m)), [], 'registered metrics without a row');
  t.same([...documented].filter((m) => !registered.has(m)), [], 'rows naming a metric no longer registered');
});
