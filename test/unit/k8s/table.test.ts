import t from 'tap';
import { thrownStatus } from './thrown.js';
import { humanDuration, parseIncludeObject, tableColumns, toTable } from '../../../apiserver/k8s/serve/table.js';
import type { TableConvertor } from '../../../apiserver/k8s/storage.js';
import type { KubeObject } from '../../../apiserver/k8s/types.js';

const now = Date.parse('2026-01-02T00:00:00Z');
const object: KubeObject = { apiVersion: 'g/v1', kind: 'K', metadata: { name: 'x', namespace: 'n', creationTimestamp: '2026-01-01T23:00:00Z', resourceVersion: '7' }, spec: { state: 'RUNNING' } };

t.test('Go HumanDuration', async (t) => {
  t.equal(humanDuration(5_000), '5s');
  t.equal(humanDuration(119_000), '119s');
  t.equal(humanDuration(5 * 60_000 + 3_000), '5m3s');
  t.equal(humanDuration(3 * 3600_000), '3h');
  t.equal(humanDuration(3 * 3600_000 + 5 * 60_000), '3h5m');
  t.equal(humanDuration(50 * 3600_000), '2d2h');
  t.equal(humanDuration(400 * 86400_000), '400d');
  t.equal(humanDuration(-5_000), '<invalid>');
});

t.test('without a convertor: Name and Created At', async (t) => {
  const table = toTable(undefined, [object], { resourceVersion: '7' }, { version: 'v1', includeObject: 'Metadata', withHeaders: true, now });
  t.same((table.columnDefinitions ?? []).map((c) => [c.name, c.type, c.format]), [['Name', 'string', 'name'], ['Created At', 'date', '']]);
  t.same(table.rows[0]!.cells, ['x', '2026-01-01T23:00:00Z']);
  t.same(table.rows[0]!.object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata });
  t.same(table.metadata, { resourceVersion: '7' });
});

t.test('a convertor gets Name prepended and Age appended; date cells become durations', async (t) => {
  const convertor: TableConvertor = {
    tableColumns: [{ name: 'State', type: 'string', description: 'd', priority: 0 }, { name: 'Started', type: 'date', description: 'd', priority: 1 }],
    tableCells: (o) => [(o.spec as { state: string }).state, '2026-01-01T23:59:00Z'],
  };
  t.same(tableColumns(convertor).map((c) => c.name), ['Name', 'State', 'Started', 'Age']);
  const table = toTable(convertor, [object], {}, { version: 'v1beta1', includeObject: 'None', withHeaders: false, now });
  t.equal(table.apiVersion, 'meta.k8s.io/v1beta1');
  t.equal(table.columnDefinitions, null);
  t.same(table.rows[0], { cells: ['x', 'RUNNING', '60s', '60m'] });
});

t.test('includeObject accepts None, Metadata, Object', async (t) => {
  t.equal(parseIncludeObject(undefined), 'Metadata');
  t.equal(parseIncludeObject('Object'), 'Object');
  t.match(thrownStatus(() => parseIncludeObject('All')), { code: 400 });
});
