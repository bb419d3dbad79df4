// Every row of docs/guarantees.md names the test that shows it: a test file that exists and a case of that file
// (`t.test` names; `…` stands for the rest of a long name, `${…}` in a name for any value). A renamed or removed case
// fails here, so a guarantee never points at a test that no longer asserts it.
import { existsSync, readFileSync } from 'node:fs';
import t from 'tap';

const rows = readFileSync('docs/guarantees.md', 'utf8').split('\n')
  .filter((l) => l.startsWith('| ') && !l.startsWith('| what ') && !l.startsWith('| --- '))
  .map((l) => ({ what: l.slice(2, l.indexOf(' | ')), shownBy: l.slice(l.lastIndexOf(' | ') + 3, -2) }));

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The case names a test file declares, as patterns: a template literal's `${…}` matches any value. */
function caseNames(file: string): RegExp[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(/\bt\.test\((['"`])((?:\\.|(?!\1).)*)\1/g)].map((m) => {
    const name = m[2]!.replace(/\\(['"`])/g, '$1');
    return new RegExp(`^${name.split(/\$\{[^}]*\}/).map(escape).join('.+?')}$`);
  });
}

t.test('every guarantee names a test file and a case it declares', async (t) => {
  t.ok(rows.length >= 20, `${rows.length} guarantee rows`);
  for (const row of rows) {
    const refs = row.shownBy.split('<br>').map((r) => /^`(test\/[^`]+\.ts)` › (.+)$/.exec(r.trim())).filter((m) => m !== null);
    t.ok(refs.length > 0, `"${row.what}" names at least one test file and case`);
    for (const [, file, shown] of refs) {
      if (!existsSync(file!)) { t.fail(`${file} (named by "${row.what}") exists`); continue; }
      const cases = caseNames(file!);
      const wanted = shown!.replace(/\\\|/g, '|');
      const found = cases.some((c) => wanted.includes('…')
        ? c.source.startsWith(`^${escape(wanted.slice(0, wanted.indexOf('…')))}`) || c.test(wanted.replace(/…/g, 'x'))
        : c.test(wanted));
      t.ok(found, `${file} › ${wanted}`);
    }
  }
});
