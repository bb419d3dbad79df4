// The server's platform token follows its file: a Secret volume's atomic swap is picked up at the next look (at most
// once a second, or at once after a 401), and a file that goes missing keeps the last token.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { FileToken } from '../../apiserver/token-file.js';

function setup(initial: string) {
  const dir = mkdtempSync(join(tmpdir(), 'token-'));
  const path = join(dir, 'token');
  writeFileSync(path, initial);
  let now = 0;
  const warnings: string[] = [];
  const token = new FileToken(path, (message) => warnings.push(message), 1_000, () => now);
  const swap = (value: string) => {
    writeFileSync(`${path}.new`, value);
    renameSync(`${path}.new`, path);
  };
  return { path, token, swap, warnings, advance: (ms: number) => { now += ms; } };
}

t.test('a rotated file is picked up at the next look, not before', async (t) => {
  const { token, swap, advance, warnings } = setup('old\n');
  t.equal(token.current(), 'old', 'the trailing newline of a Secret file is dropped');
  swap('new');
  t.equal(token.current(), 'old', 'within the second: the file is not looked at');
  advance(1_000);
  t.equal(token.current(), 'new');
  t.match(warnings, [/changed; using the new token/]);
});

t.test('after a 401, reread looks at once and says whether the token changed', async (t) => {
  const { token, swap } = setup('old');
  t.equal(token.reread(), false, 'unchanged: the call is not repeated');
  swap('new');
  t.equal(token.reread(), true);
  t.equal(token.current(), 'new');
});

t.test('a missing or empty file keeps the last token, with one warning', async (t) => {
  const { path, token, advance, warnings } = setup('old');
  rmSync(path);
  advance(1_000);
  t.equal(token.current(), 'old');
  advance(1_000);
  t.equal(token.current(), 'old');
  t.equal(warnings.filter((w) => /cannot read/.test(w)).length, 1);
  t.throws(() => new FileToken(path), /missing or empty/, 'a server does not start without a token');
});
