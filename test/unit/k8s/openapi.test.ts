import t from 'tap';
import { apiResourceList, groupVersions, verbsOf } from '../../../apiserver/k8s/serve/discovery.js';
import { buildV2, buildV3, etagOf } from '../../../apiserver/k8s/serve/openapi.js';
import type { Getter, Lister, Storage } from '../../../apiserver/k8s/storage.js';
import { MemoryStorage, widgetInfo } from '../../support/memory-storage.js';

const readOnly: Storage & Getter & Lister = {
  info: { ...widgetInfo, resource: 'gadgets', kind: 'Gadget', listKind: 'GadgetList', singular: 'gadget', shortNames: [], categories: [], namespaced: false },
  get: async () => { throw new Error('unused'); },
  list: async () => { throw new Error('unused'); },
};

t.test('discovery verbs are what the storage implements, sorted', async (t) => {
  const memory = new MemoryStorage();
  t.teardown(() => memory.close());
  t.same(verbsOf(memory), ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
  t.same(verbsOf(readOnly), ['get', 'list']);
  const [gv] = groupVersions([readOnly]);
  t.same(apiResourceList(gv!).resources, [{ name: 'gadgets', singularName: 'gadget', namespaced: false, kind: 'Gadget', verbs: ['get', 'list'] }]);
});

t.test('v3: paths for what is served, GVK object on operations and list on schemas, patch types, parameters', async (t) => {
  const memory = new MemoryStorage();
  t.teardown(() => memory.close());
  const doc = buildV3(groupVersions([memory])[0]!) as { paths: Record<string, Record<string, { 'x-kubernetes-action': string; 'x-kubernetes-group-version-kind': unknown; parameters: Array<{ name: string }>; requestBody?: { content: Record<string, unknown> } }>>; components: { schemas: Record<string, Record<string, unknown>> } };
  t.same(Object.keys(doc.paths).sort(), [
    '/apis/test.example.com/v1/namespaces/{namespace}/widgets',
    '/apis/test.example.com/v1/namespaces/{namespace}/widgets/{name}',
    '/apis/test.example.com/v1/widgets',
  ]);
  const item = doc.paths['/apis/test.example.com/v1/namespaces/{namespace}/widgets/{name}']!;
  t.same(Object.keys(item).filter((k) => k !== 'parameters').sort(), ['delete', 'get', 'patch', 'put']);
  t.equal(item.patch!['x-kubernetes-action'], 'patch');
  t.same(item.patch!['x-kubernetes-group-version-kind'], { group: 'test.example.com', version: 'v1', kind: 'Widget' });
  t.same(Object.keys(item.patch!.requestBody!.content), ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml']);
  t.same(item.patch!.parameters.map((p) => p.name), ['dryRun', 'fieldManager', 'fieldValidation', 'force']);
  const collection = doc.paths['/apis/test.example.com/v1/namespaces/{namespace}/widgets']!;
  t.ok(['watch', 'labelSelector', 'fieldSelector', 'limit', 'continue', 'sendInitialEvents'].every((n) => collection.get!.parameters.some((p) => p.name === n)));
  const widget = doc.components.schemas['com.example.test.v1.Widget']!;
  t.same(widget['x-kubernetes-group-version-kind'], [{ group: 'test.example.com', version: 'v1', kind: 'Widget' }]);
  t.same((widget.properties as Record<string, unknown>).metadata, { allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }], description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata" });
  t.same(doc.components.schemas['com.example.test.v1.WidgetList']!['x-kubernetes-group-version-kind'], [{ group: 'test.example.com', version: 'v1', kind: 'WidgetList' }]);
});

t.test('v2: a read-only cluster-scoped kind has no write operations and no namespaced paths; nullable is dropped', async (t) => {
  const info = { ...readOnly.info, schema: { type: 'object', properties: { spec: { type: 'object', nullable: true, description: 'd' } } } };
  const doc = buildV2([{ ...readOnly, info }]) as { paths: Record<string, Record<string, unknown>>; definitions: Record<string, { properties: Record<string, Record<string, unknown>> }> };
  t.same(Object.keys(doc.paths), ['/apis/test.example.com/v1/gadgets', '/apis/test.example.com/v1/gadgets/{name}']);
  t.same(Object.keys(doc.paths['/apis/test.example.com/v1/gadgets/{name}']!).sort(), ['get', 'parameters']);
  t.notOk('nullable' in doc.definitions['com.example.test.v1.Gadget']!.properties.spec!);
});

t.test('v2: a node that keeps unknown fields declares no properties, items nor type, as kube\'s CRD v2 (kubectl validates against v2)', async (t) => {
  const kept = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, description: 'k', properties: { a: { type: 'string' } } };
  const info = { ...readOnly.info, schema: { type: 'object', properties: { spec: { type: 'object', properties: { kept, closed: { type: 'object', properties: { b: { type: 'string' } } } } } } } };
  const v2 = buildV2([{ ...readOnly, info }]) as { definitions: Record<string, { properties: Record<string, { properties: Record<string, Record<string, unknown>> }> }> };
  const spec = v2.definitions['com.example.test.v1.Gadget']!.properties.spec!;
  t.same(spec.properties.kept, { 'x-kubernetes-preserve-unknown-fields': true, description: 'k' });
  t.same(spec.properties.closed, { type: 'object', properties: { b: { type: 'string' } } }, 'a closed node is as written');
  const v3 = buildV3(groupVersions([{ ...readOnly, info }])[0]!) as { components: { schemas: Record<string, { properties: Record<string, { properties: Record<string, unknown> }> }> } };
  t.same(v3.components.schemas['com.example.test.v1.Gadget']!.properties.spec!.properties.kept, kept, 'v3 keeps the schema as written');
});

t.test('ETags are kube-openapi\'s: upper-case SHA-512 hex', async (t) => {
  t.match(etagOf('{}'), /^[0-9A-F]{128}$/);
  t.not(etagOf('{}'), etagOf('{ }'));
});
