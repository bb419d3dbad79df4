// The platform's label selector (equality, set-based, existence), parsed and matched, so that the client's listings
// by label are answered as the platform answers them and bad selectors get its 400.

import { badRequest } from '../errors.js';

/** One requirement of a Kubernetes-style label selector. */
export type Requirement =
  | { key: string; op: 'in'; values: string[] }
  | { key: string; op: 'notin'; values: string[] }
  | { key: string; op: 'exists' }
  | { key: string; op: 'doesnotexist' };

const keyPattern = /^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$/;
const valuePattern = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Splits on commas that are not inside a `(…)` value set. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms.map((term) => term.trim()).filter((term) => term !== '');
}

function checkKey(key: string, term: string): string {
  if (!keyPattern.test(key)) throw badRequest(`labelSelector: invalid label key in "${term}"`);
  return key;
}

function checkValue(value: string, term: string): string {
  if (!valuePattern.test(value)) throw badRequest(`labelSelector: invalid label value in "${term}"`);
  return value;
}

/** Parses `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k` and `!k`. */
export function parseLabelSelector(selector: string): Requirement[] {
  return splitTerms(selector).map((term): Requirement => {
    const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(term);
    if (set) {
      const values = (set[3] ?? '').split(',').map((v) => checkValue(v.trim(), term));
      return { key: checkKey(set[1] ?? '', term), op: set[2] === 'in' ? 'in' : 'notin', values };
    }
    const notEqual = /^([^!=\s]+)\s*!=\s*(.*)$/.exec(term);
    if (notEqual) return { key: checkKey(notEqual[1] ?? '', term), op: 'notin', values: [checkValue((notEqual[2] ?? '').trim(), term)] };
    const equal = /^([^!=\s]+)\s*==?\s*(.*)$/.exec(term);
    if (equal) return { key: checkKey(equal[1] ?? '', term), op: 'in', values: [checkValue((equal[2] ?? '').trim(), term)] };
    if (term.startsWith('!')) return { key: checkKey(term.slice(1).trim(), term), op: 'doesnotexist' };
    return { key: checkKey(term, term), op: 'exists' };
  });
}

export function matches(labels: Record<string, string>, requirements: Requirement[]): boolean {
  return requirements.every((r) => {
    const value = labels[r.key];
    switch (r.op) {
      case 'in':
        return value !== undefined && r.values.includes(value);
      case 'notin':
        return value === undefined || !r.values.includes(value);
      case 'exists':
        return value !== undefined;
      case 'doesnotexist':
        return value === undefined;
    }
  });
}
