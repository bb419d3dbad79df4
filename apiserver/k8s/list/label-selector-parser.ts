// The label selector parser of k8s.io/apimachinery pkg/labels (selector.go: Lexer, Parser), ported token for token so
// that a malformed selector is refused with kube-apiserver's own words (`found '=', expected: identifier`, `found 'b',
// expected: ',' or 'end of string'`, ...): clients and people compare those messages with what a CRD answers. Keys and
// values are checked by the callbacks the caller passes (their words live beside the matching code).

import type { LabelRequirement } from '../storage.js';

type Token = 'error' | 'eos' | ')' | ',' | '!' | '==' | '=' | '>' | 'in' | '<' | '!=' | 'notin' | '(' | 'identifier';

const LITERALS: Record<string, Token> = { ')': ')', ',': ',', '!': '!', '==': '==', '=': '=', '>': '>', 'in': 'in', '<': '<', '!=': '!=', 'notin': 'notin', '(': '(' };
const BINARY_OPERATORS = 'in, notin, =, ==, !=, gt, lt'; // selection.GreaterThan is "gt"

const isWhitespace = (ch: string) => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isSpecialSymbol = (ch: string) => '=!(),><'.includes(ch) && ch !== '';

interface Item { tok: Token; lit: string }

function lex(s: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  const read = () => (pos < s.length ? s[pos++]! : '');
  for (;;) {
    let ch = read();
    while (isWhitespace(ch)) ch = read();
    if (ch === '') {
      items.push({ tok: 'eos', lit: '' });
      return items;
    }
    pos--;
    if (isSpecialSymbol(ch)) {
      let buffer = '';
      let last: Item | undefined;
      for (;;) {
        const c = read();
        if (c === '') break;
        if (!isSpecialSymbol(c)) { pos--; break; }
        buffer += c;
        const tok = LITERALS[buffer];
        if (tok) last = { tok, lit: buffer };
        else if (last) { pos--; break; }
      }
      items.push(last ?? { tok: 'error', lit: `error expected: keyword found '${buffer}'` });
    } else {
      let buffer = '';
      for (;;) {
        const c = read();
        if (c === '') break;
        if (isSpecialSymbol(c) || isWhitespace(c)) { pos--; break; }
        buffer += c;
      }
      const tok = Object.prototype.hasOwnProperty.call(LITERALS, buffer) ? LITERALS[buffer]! : 'identifier';
      items.push({ tok, lit: buffer });
    }
  }
}

class SyntaxError_ extends Error {}
const fail = (message: string): never => { throw new SyntaxError_(message); };

export interface LabelChecks {
  /** Throws kube's error for an invalid key (the parser prefixes nothing: the caller's words are final). */
  key: (key: string) => string;
  value: (value: string) => string;
  /** How a syntax error reaches the client (kube: 400 BadRequest with the parser's words). */
  syntax: (message: string) => Error;
}

/** Parses `a=b,c!=d,e in (x,y),f notin (z),g,!h` as labels.Parse does; `>`/`<` are refused (no numeric comparisons). */
export function parseLabelSelectorAsKube(selector: string, checks: LabelChecks): LabelRequirement[] {
  const items = lex(selector);
  let position = 0;
  // In the Values context, `in` and `notin` are identifiers (`x in (in)`).
  const asValue = (item: Item): Item => (item.tok === 'in' || item.tok === 'notin' ? { tok: 'identifier', lit: item.lit } : item);
  const lookahead = () => asValue(items[position]!);
  const consume = (values = true) => { const item = items[position++]!; return values ? asValue(item) : item; };

  const requirement = (): LabelRequirement => {
    let first = consume();
    let doesNotExist = false;
    if (first.tok === '!') { doesNotExist = true; first = consume(); }
    if (first.tok !== 'identifier') fail(`found '${first.lit}', expected: identifier`);
    const key = checks.key(first.lit);
    const next = lookahead().tok;
    if (doesNotExist || next === 'eos' || next === ',') {
      return { key, operator: doesNotExist ? 'DoesNotExist' : 'Exists', values: [] };
    }
    const op = consume(false);
    if (op.tok === 'in' || op.tok === 'notin') {
      return { key, operator: op.tok === 'in' ? 'In' : 'NotIn', values: setValues().map(checks.value) };
    }
    if (op.tok === '=' || op.tok === '==' || op.tok === '!=') {
      return { key, operator: op.tok === '!=' ? 'NotEquals' : 'Equals', values: [checks.value(exactValue())] };
    }
    if (op.tok === '>' || op.tok === '<') throw checks.syntax(`unable to parse requirement: operator '${op.lit}' is not supported by this server`);
    return fail(`found '${op.lit}', expected: ${BINARY_OPERATORS}`);
  };

  const exactValue = (): string => {
    const next = lookahead().tok;
    if (next === 'eos' || next === ',') return '';
    const item = consume();
    return item.tok === 'identifier' ? item.lit : fail(`found '${item.lit}', expected: identifier`);
  };

  const setValues = (): string[] => {
    const open = consume();
    if (open.tok !== '(') fail(`found '${open.lit}' expected: '('`);
    const next = lookahead();
    if (next.tok === ')') { consume(); return ['']; }
    if (next.tok !== 'identifier' && next.tok !== ',') fail(`found '${next.lit}', expected: ',', ')' or identifier`);
    const values = new Set<string>();
    for (;;) {
      const item = consume();
      if (item.tok === 'identifier') {
        values.add(item.lit);
        const after = lookahead();
        if (after.tok === ',') continue;
        if (after.tok === ')') break;
        fail(`found '${after.lit}', expected: ',' or ')'`);
      } else if (item.tok === ',') {
        if (values.size === 0) values.add('');
        const after = lookahead().tok;
        if (after === ')') { values.add(''); break; }
        if (after === ',') values.add('');
      } else {
        fail(`found '${item.lit}', expected: ',', or identifier`);
      }
    }
    if (consume().tok !== ')') fail(`found '${next.lit}', expected: ')'`);
    return [...values].sort();
  };

  const requirements: LabelRequirement[] = [];
  for (;;) {
    const head = lookahead();
    if (head.tok === 'eos') return requirements;
    if (head.tok !== 'identifier' && head.tok !== '!') throw checks.syntax(`found '${head.lit}', expected: !, identifier, or 'end of string'`);
    try {
      requirements.push(requirement());
    } catch (e) {
      if (e instanceof SyntaxError_) throw checks.syntax(`unable to parse requirement: ${e.message}`);
      throw e;
    }
    const after = consume();
    if (after.tok === 'eos') return requirements;
    if (after.tok !== ',') throw checks.syntax(`found '${after.lit}', expected: ',' or 'end of string'`);
    const t2 = lookahead().tok;
    if (t2 !== 'identifier' && t2 !== '!') throw checks.syntax(`found '${lookahead().lit}', expected: identifier after ','`);
  }
}
