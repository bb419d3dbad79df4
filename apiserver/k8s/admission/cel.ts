// CEL for admission (matchConditions, ValidatingAdmissionPolicy): @marcbachmann/cel-js, with the parts of
// Kubernetes' CEL libraries (k8s.io/apiserver pkg/cel/library, cel-go ext) that policies commonly use added on top.
// Supported beyond standard CEL: strings — charAt, indexOf, lastIndexOf, lowerAscii, upperAscii, replace, split,
// substring, trim, join, reverse; lists — isSorted, sum, min, max, indexOf, lastIndexOf; regex —
// matches, find, findAll; optionals (`?.`, orValue). Not supported (a type-check error names the function): quantity,
// url, ip, cidr, semver, format, strings.quote, authorizer, sets, base64. Regular expressions are JavaScript's, not RE2,
// but they cannot backtrack without bound: a pattern that backtracks more than REGEXP_BACKTRACK_LIMIT times is re-run
// on V8's linear-time engine (the RE2 automaton; kube-apiserver's CEL uses RE2). Without it one 31-character label
// against `^([a-z0-9]+-?)+$` blocked the event loop for seconds (security review 2, finding 2). Patterns the linear
// engine cannot run (backreferences, lookaround: RE2 refuses them too) keep backtracking.
// Every expression is type-checked when compiled, so a policy using something unsupported fails by its own
// failurePolicy with the checker's message, never by a crash.

import { setFlagsFromString } from 'node:v8';
import { Environment } from '@marcbachmann/cel-js';

/** Backtracks before V8 re-runs a regular expression on its linear-time engine (process-wide; flags read at each run). */
export const REGEXP_BACKTRACK_LIMIT = 10_000;
setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
setFlagsFromString(`--regexp-backtracks-before-fallback=${REGEXP_BACKTRACK_LIMIT}`);

type List = unknown[];

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  const x = typeof a === 'bigint' ? a : Number(a);
  const y = typeof b === 'bigint' ? b : Number(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function indexOf(list: List, value: unknown): bigint {
  return BigInt(list.findIndex((x) => x === value || JSON.stringify(x, jsonBigint) === JSON.stringify(value, jsonBigint)));
}

function jsonBigint(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `${v}n` : v;
}

function extreme(list: List, sign: number): unknown {
  if (list.length === 0) throw new Error('min/max of an empty list');
  return list.reduce((best, x) => (compareValues(x, best) * sign > 0 ? x : best));
}

/** The variables every admission expression may read (`variables` only in policies). */
export const ADMISSION_VARIABLES = ['object', 'oldObject', 'request', 'params', 'namespaceObject', 'variables'] as const;

function admissionEnvironment(): Environment {
  const env = new Environment({ enableOptionalTypes: true, homogeneousAggregateLiterals: false, limits: { maxAstNodes: 10_000, maxDepth: 100 } });
  for (const v of ADMISSION_VARIABLES) env.registerVariable(v, 'dyn');
  return env
    .registerFunction('string.charAt(int): string', (s: string, i: bigint) => {
      if (i < 0n || i > BigInt(s.length)) throw new Error(`index out of range: ${i}`);
      return s.charAt(Number(i));
    })
    .registerFunction('string.replace(string, string): string', (s: string, a: string, b: string) => s.split(a).join(b))
    .registerFunction('string.replace(string, string, int): string', (s: string, a: string, b: string, n: bigint) => {
      let out = s;
      let from = 0;
      for (let done = 0n; n < 0n || done < n; done++) {
        const at = out.indexOf(a, from);
        if (at < 0 || (a === '' && at >= out.length)) break;
        out = out.slice(0, at) + b + out.slice(at + a.length);
        from = at + b.length + (a === '' ? 1 : 0);
      }
      return out;
    })
    .registerFunction('string.reverse(): string', (s: string) => [...s].reverse().join(''))
    .registerFunction('string.find(string): string', (s: string, re: string) => new RegExp(re).exec(s)?.[0] ?? '')
    .registerFunction('string.findAll(string): list<string>', (s: string, re: string) => [...s.matchAll(new RegExp(re, 'g'))].map((m) => m[0]))
    .registerFunction('string.findAll(string, int): list<string>', (s: string, re: string, n: bigint) => {
      const all = [...s.matchAll(new RegExp(re, 'g'))].map((m) => m[0]);
      return n < 0n ? all : all.slice(0, Number(n));
    })
    .registerFunction('list.isSorted(): bool', (l: List) => l.every((x, i) => i === 0 || compareValues(l[i - 1], x) <= 0))
    .registerFunction('list.sum(): dyn', (l: List) => l.reduce<unknown>((a, b) => (typeof b === 'bigint' ? (a as bigint) + b : Number(a) + Number(b)), typeof l[0] === 'number' ? 0 : 0n))
    .registerFunction('list.min(): dyn', (l: List) => extreme(l, -1))
    .registerFunction('list.max(): dyn', (l: List) => extreme(l, 1))
    .registerFunction('list.indexOf(dyn): int', (l: List, v: unknown) => indexOf(l, v))
    .registerFunction('list.lastIndexOf(dyn): int', (l: List, v: unknown) => {
      const i = [...l].reverse().findIndex((x) => indexOf([x], v) === 0n);
      return BigInt(i < 0 ? -1 : l.length - 1 - i);
    });
}

export interface CompiledExpression {
  source: string;
  evaluate(context: Record<string, unknown>): unknown;
}

export class CelCompileError extends Error {}

const environment = admissionEnvironment();
const compiled = new Map<string, CompiledExpression | CelCompileError>();
const MAX_COMPILED = 2_000;

/** Parses and type-checks once per distinct expression (bounded cache); throws CelCompileError. */
export function compile(source: string): CompiledExpression {
  let entry = compiled.get(source);
  if (!entry) {
    entry = compileUncached(source);
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(source, entry);
  }
  if (entry instanceof CelCompileError) throw entry;
  return entry;
}

function compileUncached(source: string): CompiledExpression | CelCompileError {
  try {
    const check = environment.check(source);
    if (!check.valid) return new CelCompileError(`compilation failed: ${firstLine(check.error?.message ?? 'type-check failed')}`);
    const program = environment.parse(source);
    return { source, evaluate: (context) => program(context) };
  } catch (err) {
    return new CelCompileError(`compilation failed: ${firstLine((err as Error).message)}`);
  }
}

export function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/** JSON as CEL values: integral numbers become int (as a schema's `integer` would), the rest stays as it is. */
export function celValue(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(celValue);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, celValue(v)]));
  }
  return value;
}
