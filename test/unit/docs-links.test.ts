// The docs a reader follows lead somewhere: every relative link of README.md, CHANGELOG.md, docs/ and the room READMEs
// names a file that exists (and a heading it has), and every command block says whether the suite runs it
// (test/e2e/local-run.test.ts does, on the stack of `make up`) or why it is only illustrative.
import t from 'tap';
import { ALLOWED_MISSING, anchorOf, brokenLinks, commandBlocks, readerDocs } from '../support/doc-blocks.js';

const rooms = ['apiserver/k8s/README.md', 'apiserver/vvpdeployment/README.md', 'apiserver/platform-resources/README.md', 'vvp-emulator/README.md'];

t.test('anchors are GitHub\'s', async (t) => {
  t.equal(anchorOf('Against a real platform, on one machine'), 'against-a-real-platform-on-one-machine');
  t.equal(anchorOf('Figures (`make bench`)'), 'figures-make-bench');
  t.equal(anchorOf('Verbs → platform calls'), 'verbs--platform-calls');
});

t.test('every relative link leads to a file and heading that exist', async (t) => {
  const files = [...readerDocs(), ...rooms];
  t.ok(files.length > 15, `${files.length} files checked`);
  for (const file of files) t.same(brokenLinks(file), [], file);
  t.ok(ALLOWED_MISSING.size <= 4, 'only the four documents the lead adds at merge may be missing');
});

t.test('every command block in the docs is run by the suite or says why it is illustrative', async (t) => {
  const blocks = readerDocs().flatMap(commandBlocks);
  const unmarked = blocks.filter((b) => b.marker === undefined).map((b) => `${b.file}:${b.line}`);
  t.same(unmarked, [], 'blocks without <!-- docs-check: run --> or <!-- docs-check: illustrative (why) -->');
  t.ok(blocks.some((b) => b.marker === 'run' && b.commands.length > 0), 'some blocks are run');
});
