// The one list helper every storage answers through: the pages a client walks, in the shapes kube-apiserver's cacher
// answers for a CRD (measured by test/conformance/crd-parity.test.ts), and kube's words for a bad continue token.
import t from 'tap';
import { decodeContinue, encodeContinue, highestResourceVersion, listPage, selection } from '../../../apiserver/k8s/list/list-page.js';
import { parseFieldSelector, parseLabelSelector } from '../../../apiserver/k8s/list/selectors.js';
import type { ListOptions } from '../../../apiserver/k8s/storage.js';
import type { KubeObject } from '../../../apiserver/k8s/types.js';
import { thrownStatus } from './thrown.js';

const obj = (namespace: string | undefined, name: string, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'test.example.com/v1', kind: 'Widget', metadata: { name, labels, ...(namespace ? { namespace } : {}) },
});

// The conformance fixtures, given out of order, plus an object of another namespace.
const FIXTURES = [
  obj('read', 'f-c', { tier: 'db', env: 'prod' }), obj('read', 'f-a', { tier: 'web', env: 'prod' }), obj('read', 'f-b', { tier: 'web', env: 'dev' }),
  obj('read', 'f-d', { tier: 'db' }), obj('read', 'f-e'), obj('read', 'f-f', { tier: 'cache', env: 'prod' }), obj('other', 'a-0', { tier: 'web' }),
];

type Page = { names: string[]; continues: boolean; remainingItemCount: number | 'absent' };

/** Walks a list to its end as a client does, each page from a fresh answer. */
function walk(options: Partial<ListOptions> & { labels?: string; fields?: string }): Page[] {
  const pages: Page[] = [];
  let cont: string | undefined;
  for (let i = 0; i < 20; i++) {
    const { labels, fields, ...rest } = options;
    const list = listPage(FIXTURES, { labelSelector: parseLabelSelector(labels), fieldSelector: parseFieldSelector(fields), ...rest, ...(cont ? { continue: cont } : {}) }, '42');
    t.equal(list.metadata.resourceVersion, '42', 'every page carries the resourceVersion');
    pages.push({ names: list.items.map((o) => o.metadata.name ?? ''), continues: Boolean(list.metadata.continue), remainingItemCount: list.metadata.remainingItemCount ?? 'absent' });
    cont = list.metadata.continue;
    if (!cont) break;
  }
  return pages;
}

const p = (names: string[], continues: boolean, remainingItemCount: number | 'absent' = 'absent'): Page => ({ names, continues, remainingItemCount });

t.test('pages, as a CRD answers them', async (t) => {
  const cases: Array<[string, Parameters<typeof walk>[0], Page[]]> = [
    ['no limit: everything of the namespace, in name order', { namespace: 'read' }, [p(['f-a', 'f-b', 'f-c', 'f-d', 'f-e', 'f-f'], false)]],
    ['limit without selectors: remainingItemCount counts the rest', { namespace: 'read', limit: 4 }, [p(['f-a', 'f-b', 'f-c', 'f-d'], true, 2), p(['f-e', 'f-f'], false)]],
    ['limit=1 with a selector: continues while objects remain after the last one looked at', { namespace: 'read', limit: 1, labels: 'tier=web' },
      [p(['f-a'], true), p(['f-b'], true), p([], false)]],
    ['a full last page still continues when unmatched objects follow', { namespace: 'read', limit: 2, labels: 'tier=web' }, [p(['f-a', 'f-b'], true), p([], false)]],
    ['a page ends where it fills: the last object of the namespace ends the list', { namespace: 'read', limit: 1, labels: 'tier=cache' }, [p(['f-f'], false)]],
    ['set-based selector over four pages', { namespace: 'read', limit: 1, labels: 'tier in (web,db)' }, [p(['f-a'], true), p(['f-b'], true), p(['f-c'], true), p(['f-d'], true), p([], false)]],
    ['field selectors page the same way (no count)', { namespace: 'read', limit: 1, fields: 'metadata.name!=f-b' },
      [p(['f-a'], true), p(['f-c'], true), p(['f-d'], true), p(['f-e'], true), p(['f-f'], false)]],
    ['a field selector naming one object reads that key alone: nothing follows it', { namespace: 'read', limit: 1, fields: 'metadata.name=f-b' }, [p(['f-b'], false)]],
    ['across namespaces a name is no single key: the list pages on', { limit: 1, fields: 'metadata.name==a-0' }, [p(['a-0'], true), p([], false)]],
    ['all namespaces: namespace/name order', { limit: 3, labels: 'tier' }, [p(['a-0', 'f-a', 'f-b'], true), p(['f-c', 'f-d', 'f-f'], false)]],
    ['resourceVersion=0 ignores the limit (the watch cache answers whole)', { namespace: 'read', limit: 2, resourceVersion: '0' }, [p(['f-a', 'f-b', 'f-c', 'f-d', 'f-e', 'f-f'], false)]],
    ['a negative limit is no limit', { namespace: 'read', limit: -1 }, [p(['f-a', 'f-b', 'f-c', 'f-d', 'f-e', 'f-f'], false)]],
  ];
  for (const [name, options, pages] of cases) t.same(walk(options), pages, name);
});

t.test("continue tokens are kube-apiserver's: base64url JSON meta.k8s.io/v1 with rv and a start key after the last key", async (t) => {
  const first = listPage(FIXTURES, { namespace: 'read', labelSelector: [], fieldSelector: [], limit: 2 }, '1754000000000001');
  const json = JSON.parse(Buffer.from(first.metadata.continue ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  t.same(json, { v: 'meta.k8s.io/v1', rv: 1754000000000001, start: 'f-b\u0000' });
  t.equal(decodeContinue(first.metadata.continue ?? ''), 'f-b\u0000');
  t.equal(decodeContinue(encodeContinue('/ns/name\u0000', '7')), 'ns/name\u0000', 'a leading slash is the prefix, as path.Clean sees it');
});

t.test('a bad continue token is a 400 in kube-apiserver words', async (t) => {
  const token = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const cases: Array<[string, string]> = [
    ['garbage', "invalid continue token: continue key is not valid: invalid character '\\u0081' looking for beginning of value"],
    ['a*b', 'invalid continue token: continue key is not valid: illegal base64 data at input byte 1'],
    ['abcde', 'invalid continue token: continue key is not valid: illegal base64 data at input byte 4'],
    [token({ v: 1, after: 'x' }), 'invalid continue token: continue key is not valid: server does not recognize this encoded version '],
    [token({ v: 'meta.k8s.io/v1', rv: 0, start: 'x' }), 'invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)'],
    [token({ v: 'meta.k8s.io/v1', rv: 5, start: '' }), 'invalid continue token: continue key is not valid: encoded start key empty (version meta.k8s.io/v1)'],
  ];
  for (const [given, message] of cases) {
    t.match(thrownStatus(() => listPage(FIXTURES, { labelSelector: [], fieldSelector: [], continue: given }, '1')), { code: 400, reason: 'BadRequest', message }, given);
  }
});

t.test('the list resourceVersion is the highest; selection tests namespace and selectors together', async (t) => {
  t.equal(highestResourceVersion(['12', '', '1754000000000001', '9']), '1754000000000001');
  t.equal(highestResourceVersion([]), '0');
  const select = selection({ namespace: 'read', labelSelector: parseLabelSelector('tier=web'), fieldSelector: [] });
  t.same(FIXTURES.filter(select).map((o) => o.metadata.name), ['f-a', 'f-b']);
});
