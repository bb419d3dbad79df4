// `make reference`: writes the generated reference (render.ts) into the tree. With --check, writes nothing and exits 1
// naming each file that is not what the tables give (test/unit/reference-docs.test.ts checks the same in `make test`).
import { readFileSync, writeFileSync } from 'node:fs';
import { CHART_DIR, GENERATED, renderChartValuesMarkdown, renderFlagsMarkdown, renderValuesSchema } from './render.js';

const check = process.argv.includes('--check');
const wanted: [string, string][] = [
  [GENERATED.flags, renderFlagsMarkdown()],
  [GENERATED.chartValues, renderChartValuesMarkdown(readFileSync(`${CHART_DIR}/values.yaml`, 'utf8'))],
  [GENERATED.schema, renderValuesSchema()],
];
let stale = 0;
for (const [path, text] of wanted) {
  let current = '';
  try { current = readFileSync(path, 'utf8'); } catch { /* not written yet */ }
  if (current === text) continue;
  if (check) {
    console.error(`${path} is out of date: run make reference`);
    stale++;
  } else {
    writeFileSync(path, text);
    console.log(`wrote ${path}`);
  }
}
process.exitCode = stale ? 1 : 0;
