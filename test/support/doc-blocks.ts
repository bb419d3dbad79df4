// The Markdown a reader follows, as tests read it: its relative links, and its command blocks. A command block
// (```console, ```sh, ```bash, ```shell) carries a marker on the line above it — `<!-- docs-check: run -->` when the
// local stack of `make up` can run it, `<!-- docs-check: illustrative (why) -->` when it needs what a test cannot have
// (a real cluster or platform, a second platform) or runs the tests themselves. In a `console` block, the lines after
// `$ ` are commands and the lines below one are the output shown.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { runCommand } from '../../tools/cluster/control-plane.js';

export const COMMAND_LANGS = new Set(['console', 'sh', 'bash', 'shell']);

export interface DocCommand {
  command: string;
  /** The output the page shows under it (console blocks), as written. */
  shown: string[];
}

export interface CommandBlock {
  file: string;
  line: number;
  lang: string;
  marker: 'run' | 'illustrative' | undefined;
  commands: DocCommand[];
}

/** README.md, CHANGELOG.md and every Markdown file under docs/. */
export function readerDocs(): string[] {
  const walk = (dir: string): string[] => readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : name.endsWith('.md') ? [path] : [];
  });
  return ['README.md', 'CHANGELOG.md', ...walk('docs')];
}

export function commandBlocks(file: string): CommandBlock[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const blocks: CommandBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const end = lines.indexOf('```', i + 1);
    const body = lines.slice(i + 1, end < 0 ? lines.length : end);
    const lang = open[1] ?? '';
    if (COMMAND_LANGS.has(lang)) {
      const above = /<!-- docs-check: (run|illustrative)\b/.exec(lines[i - 1] ?? '');
      blocks.push({ file, line: i + 1, lang, marker: above?.[1] as CommandBlock['marker'], commands: commandsOf(lang, body) });
    }
    i = end < 0 ? lines.length : end;
  }
  return blocks;
}

function commandsOf(lang: string, body: string[]): DocCommand[] {
  if (lang !== 'console') return body.filter((l) => l.trim() && !l.trim().startsWith('#')).map((command) => ({ command, shown: [] }));
  const commands: DocCommand[] = [];
  for (const line of body) {
    if (line.startsWith('$ ')) commands.push({ command: line.slice(2).replace(/\s+#.*$/, ''), shown: [] });
    else commands[commands.length - 1]?.shown.push(line);
  }
  return commands;
}

/** Documents the lead adds at merge (issue 31): links to them are allowed to dangle until then. */
export const ALLOWED_MISSING = new Set(['docs/crd-differences.md']);

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
export function anchorOf(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
}

function anchorsOf(file: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const h = fenced ? null : /^#{1,6} (.+)$/.exec(line);
    if (!h) continue;
    const base = anchorOf(h[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n ? `${base}-${n}` : base);
  }
  return anchors;
}

/** Relative links of a Markdown file that lead nowhere: a missing file, or a heading anchor the target lacks. */
export function brokenLinks(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
  const broken: string[] = [];
  for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const link = m[1]!;
    if (/^[a-z]+:/i.test(link)) continue;
    const [path, anchor] = link.split('#') as [string, string | undefined];
    const target = path ? normalize(join(dirname(file), path)) : file;
    if (ALLOWED_MISSING.has(target)) continue;
    if (!existsSync(target)) { broken.push(`${link} (no ${target})`); continue; }
    if (anchor && target.endsWith('.md') && !anchorsOf(target).has(anchor)) broken.push(`${link} (no heading #${anchor} in ${target})`);
  }
  return broken;
}

/** A command of a `run` block is satisfied without running it: the test's own `make up` is what it does. */
const STACK_COMMANDS = new Set(['make run', 'make up']);

export interface CommandOutcome {
  command: string;
  ok: boolean;
  why: string;
}

/**
 * Runs one documented command as a reader would, in bash from the repository's root, with `kubectl` the stack's
 * kubectl on the stack's kubeconfig. A watch (`-w`) runs until it printed its first lines, as a reader stops it with
 * Ctrl-C. When the page shows a table's header under a `get`, the command's first line must be that header.
 */
export async function runDocCommand(cmd: DocCommand, env: { KUBECTL: string; KUBECONFIG: string; HOME: string }): Promise<CommandOutcome | undefined> {
  if (STACK_COMMANDS.has(cmd.command.trim())) return undefined;
  const watch = /\s(-w|--watch)(\s|$)/.test(cmd.command);
  const script = `kubectl() { "$KUBECTL" "$@"; }\n${cmd.command}`;
  const res = await runCommand('bash', ['-c', script], { env, timeoutMs: watch ? 15_000 : 180_000 });
  const lines = res.stdout.split('\n').filter((l) => l.trim());
  if (watch) return { command: cmd.command, ok: lines.length > 0, why: `printed ${lines.length} lines before it was stopped; ${res.stderr}` };
  if (res.code !== 0) return { command: cmd.command, ok: false, why: `exit ${res.code}: ${res.stderr}${res.stdout}` };
  const header = cmd.shown[0]?.trim();
  if (header?.startsWith('NAME ')) {
    const squeeze = (s: string | undefined) => (s ?? '').trim().split(/\s+/).join(' ');
    if (squeeze(lines[0]) !== squeeze(header)) return { command: cmd.command, ok: false, why: `the page shows the header "${squeeze(header)}", kubectl printed "${squeeze(lines[0])}"` };
  }
  return { command: cmd.command, ok: true, why: '' };
}
