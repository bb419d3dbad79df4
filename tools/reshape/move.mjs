#!/usr/bin/env node
// The reshaping of issue 23 as a replayable move map, because other branches edit the moved files while the folders
// change: run it again after merging them and it moves what is still at an old path and mends every import (and every
// path written in prose or a Markdown link) that still points at an old place. Idempotent: a second run changes nothing.
//
//   node tools/reshape/move.mjs            move and rewrite
//   node tools/reshape/move.mjs --check    say what it would do; exit 1 when anything is left to do
//
// An import specifier is resolved against the importing file's directory (today's; for a moved file also the one it
// had before the move, since a merge may bring in lines written there), `.js` names the `.ts` source, and the new
// specifier keeps the old one's extension. Covers `import … from`, `import type`, `export … from`, side-effect
// imports and `import()` (in code and in types). Plain Node, no dependency.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, posix, resolve } from 'node:path';

const repo = resolve(dirname(new URL(import.meta.url).pathname), '../..');
const check = process.argv.includes('--check');

/** folder → { new sub-folder: [files moved into it] } (names kept, so a file's history and its mentions stay readable) */
const GROUPS = {
  'apiserver/vvpdeployment': {
    // Pure decisions: what to write, what the object and its conditions say. No I/O.
    decide: [
      'mapping.ts', 'conditions.ts', 'nonce-conditions.ts', 'restore-nonce.ts', 'savepoint-nonce.ts', 'deletion.ts',
      'pending-work.ts', 'platform-effect.ts', 'owner.ts', 'validation.ts', 'size-limit.ts', 'resource-version.ts',
      'json.ts', 'time.ts',
    ],
    // The flows that do the platform calls of a write or of the background pass.
    flows: [
      'core.ts', 'create-flow.ts', 'update-flow.ts', 'deletion-flow.ts', 'restore-flow.ts', 'savepoint-settler.ts',
      'background-pass.ts', 'writer.ts', 'write-wake.ts',
    ],
    // Reading the platform: one object, listings, what a read shows and when it changed.
    read: ['reader.ts', 'listing.ts', 'recent-reads.ts', 'occupancy.ts', 'platform-view.ts', 'view-inputs.ts', 'events.ts'],
    // What the server may believe and whom it lets do what: the record on the platform, its signature, tokens, tenancy.
    trust: ['annotations.ts', 'record-signature.ts', 'apikey-secret.ts', 'tenancy.ts', 'state-locations.ts', 'adoption.ts'],
    // One platform installation behind the API, and what it offers the child resources.
    instance: ['platform-instance.ts', 'platform-port.ts', 'platform-catalog.ts', 'owned-children.ts'],
  },
  'apiserver/k8s': {
    // Serving HTTP: the server, its routes and discovery, negotiation, request parsing, answers and their metrics.
    serve: [
      'server.ts', 'installer.ts', 'discovery.ts', 'openapi.ts', 'negotiation.ts', 'request-url.ts', 'requestinfo.ts',
      'body-bounds.ts', 'serialized.ts', 'table.ts', 'metrics.ts', 'stage-times.ts', 'request-scope.ts',
    ],
    // Watch: the poll-fed hub, its events and the poll's budget.
    watch: ['watch-hub.ts', 'watch-hub-events.ts', 'event-queue.ts', 'poll-budget.ts'],
    // Lists: paging, continue tokens and selectors.
    list: ['list-page.ts', 'selectors.ts', 'label-selector-parser.ts'],
    // Field-level machinery: managedFields, field sets, duplicate fields, patches.
    fields: ['managed-fields.ts', 'field-sets.ts', 'duplicate-fields.ts', 'patch.ts'],
    // The resource's strategy hook and the validation kube runs in it (object meta, names, preconditions).
    strategy: ['strategy.ts', 'validation.ts', 'object-meta-validation.ts', 'name-validation.ts', 'preconditions.ts'],
    // Talking to the real cluster: kubeconfig, REST calls, leader election, Events.
    cluster: ['kube-config.ts', 'kube-rest.ts', 'leader-election.ts', 'event-recorder.ts'],
  },
};

/** Single moves of files that are not TypeScript modules; every literal mention of the old path is rewritten. */
const PLAIN = {
  'test/cluster/build-binaries.sh': 'tools/cluster/build-binaries.sh',
};

/** @type {Map<string, string>} old repo path → new repo path */
const MOVES = new Map();
for (const [folder, groups] of Object.entries(GROUPS)) {
  for (const [sub, files] of Object.entries(groups)) for (const f of files) MOVES.set(`${folder}/${f}`, `${folder}/${sub}/${f}`);
}
for (const [from, to] of Object.entries(PLAIN)) MOVES.set(from, to);
const FORMER = new Map([...MOVES].map(([from, to]) => [to, from]));

const git = (...args) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' });
const isFile = (p) => existsSync(join(repo, p)) && statSync(join(repo, p)).isFile();
let pending = 0;
const say = (line) => { pending++; console.log(check ? `would ${line}` : line); };

// (a) move every file still at an old path
for (const [from, to] of MOVES) {
  if (!isFile(from)) continue;
  if (isFile(to)) { console.error(`both ${from} and ${to} exist: merge them by hand, then run again`); process.exitCode = 2; continue; }
  say(`git mv ${from} ${to}`);
  if (!check) { mkdirSync(join(repo, dirname(to)), { recursive: true }); git('mv', from, to); }
}

// (b) rewrite imports, Markdown links and path mentions
const tracked = git('ls-files', '-co', '--exclude-standard').split('\n').filter(Boolean)
  .filter((p) => !p.startsWith('node_modules/') && !p.startsWith('dist/') && !p.includes('/node_modules/') && isFile(p));
const code = /\.(ts|mts|mjs|js)$/;
const text = /(\.(md|sh|json|ya?ml)|Makefile|\/run)$/;

/** The source file a specifier names, as a repo path: `x.js` → `x.ts` where that exists (or existed before the move). */
function sources(target) {
  const m = /^(.*)\.(js|mjs)$/.exec(target);
  if (!m) return [target];
  return m[2] === 'js' ? [`${m[1]}.ts`, `${m[1]}.tsx`, target] : [`${m[1]}.mts`, target];
}
const withExtensionOf = (spec, newSource, oldSource) => {
  const ext = /\.[a-z]+$/.exec(spec)?.[0] ?? '';
  const srcExt = /\.[a-z]+$/.exec(oldSource)?.[0] ?? '';
  return ext === srcExt ? newSource : newSource.replace(/\.[a-z]+$/, ext);
};
function relativeSpec(fromDir, target) {
  const r = posix.relative(fromDir, target);
  return r.startsWith('.') ? r : `./${r}`;
}

/** The specifier that names the same file from `file` today, or undefined when it already does (or names no moved file). */
function mended(file, spec) {
  const here = posix.dirname(file);
  const bases = [here];
  const former = FORMER.get(file);
  if (former && posix.dirname(former) !== here) bases.push(posix.dirname(former));
  for (const [i, base] of bases.entries()) {
    const target = posix.normalize(posix.join(base, spec));
    for (const source of sources(target)) {
      if (isFile(source)) return i === 0 ? undefined : relativeSpec(here, withExtensionOf(spec, source, source));
      const moved = MOVES.get(source);
      if (moved && isFile(moved)) return relativeSpec(here, withExtensionOf(spec, moved, source));
    }
  }
  return undefined;
}

const importPatterns = [
  /(\bfrom\s*)(['"])(\.{1,2}\/[^'"\n]+)\2/g, // import … from, import type … from, export … from
  /(\bimport\s*\(\s*)(['"])(\.{1,2}\/[^'"\n]+)\2/g, // import('…'), also in types
  /(\bimport\s+)(['"])(\.{1,2}\/[^'"\n]+)\2/g, // import '…'
];
// A repo path in prose (a comment, a doc): apiserver/vvpdeployment/reader.ts, or the room-relative vvpdeployment/reader.ts.
const mentionPattern = /(?<![\w./-])((?:apiserver\/)?(?:vvpdeployment|k8s)\/[a-z0-9-]+\.ts)\b/g;
function mentionMended(m) {
  const full = m.startsWith('apiserver/') ? m : `apiserver/${m}`;
  const moved = MOVES.get(full);
  if (!moved || isFile(full)) return m;
  return m.startsWith('apiserver/') ? moved : moved.slice('apiserver/'.length);
}
const mdLinkPattern = /(\]\()(\.{0,2}\/?[^)\s#]+)([#)\s])/g;

let filesChanged = 0;
for (const file of tracked) {
  const isCode = code.test(file);
  const isText = text.test(file) || /(^|\/)Makefile$/.test(file) || file === '.ci/run';
  if (!isCode && !isText) continue;
  // Itself, the changelog (history names the paths of its day), and scripts whose own text is their cache key
  // (`cat "$0"`: a rewritten comment would rebuild what they build).
  if (file === 'tools/reshape/move.mjs' || file === 'CHANGELOG.md') continue;
  const before = readFileSync(join(repo, file), 'utf8');
  if (file.endsWith('.sh') && before.includes('cat "$0"')) continue;
  let after = before;
  if (isCode) {
    for (const pattern of importPatterns) {
      after = after.replace(pattern, (all, lead, quote, spec) => {
        const next = mended(file, spec);
        return next === undefined ? all : `${lead}${quote}${next}${quote}`;
      });
    }
  }
  if (file.endsWith('.md')) {
    after = after.replace(mdLinkPattern, (all, lead, link, tail) => {
      if (/^[a-z]+:/.test(link) || link.startsWith('/')) return all;
      const here = posix.dirname(file);
      const target = posix.normalize(posix.join(here, link));
      const moved = MOVES.get(target);
      if (!moved || isFile(target) || !isFile(moved)) return all;
      return `${lead}${relativeSpec(here, moved)}${tail}`;
    });
  }
  after = after.replace(mentionPattern, (m) => mentionMended(m));
  // A room's own README names its modules by bare name (`reader.ts`): they gain their folder (`read/reader.ts`).
  const room = Object.keys(GROUPS).find((folder) => file === `${folder}/README.md`);
  if (room) {
    after = after.replace(/`([a-z0-9-]+\.ts)`/g, (all, name) => {
      const moved = MOVES.get(`${room}/${name}`);
      return moved && !isFile(`${room}/${name}`) && isFile(moved) ? `\`${moved.slice(room.length + 1)}\`` : all;
    });
  }
  for (const [from, to] of Object.entries(PLAIN)) if (isFile(to)) after = after.split(from).join(to);
  if (after !== before) {
    filesChanged++;
    say(`rewrite ${file}`);
    if (!check) writeFileSync(join(repo, file), after);
  }
}

console.log(`${check ? 'checked' : 'done'}: ${pending} change(s), ${filesChanged} file(s) rewritten`);
if (check && pending > 0) process.exitCode = 1;
