import t from 'tap';
import { negotiateOutput, parseAccept } from '../../../apiserver/k8s/serve/negotiation.js';
import { thrownStatus } from './thrown.js';

const read = { list: false, watch: false, transforms: true };
const list = { list: true, watch: false, transforms: true };
const watch = { list: true, watch: true, transforms: true };

t.test('Accept ranges are ordered by q, then by position', async (t) => {
  t.same(parseAccept('a/b;q=0.5, c/d').map((r) => `${r.type}/${r.subtype}`), ['c/d', 'a/b']);
  t.same(parseAccept(undefined).map((r) => r.type), ['*']);
});

t.test('kubectl get asks for Table first', async (t) => {
  t.same(negotiateOutput('application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json', list), { kind: 'table', version: 'v1' });
});

t.test('the metadata client: protobuf first, PartialObjectMetadata(List) in JSON', async (t) => {
  const accept = (as: string) => `application/vnd.kubernetes.protobuf;as=${as};g=meta.k8s.io;v=v1,application/json;as=${as};g=meta.k8s.io;v=v1,application/json`;
  t.same(negotiateOutput(accept('PartialObjectMetadataList'), list), { kind: 'partial', version: 'v1', list: true });
  t.same(negotiateOutput(accept('PartialObjectMetadata'), read), { kind: 'partial', version: 'v1', list: false });
  t.same(negotiateOutput(accept('PartialObjectMetadata'), watch), { kind: 'partial', version: 'v1', list: false });
  t.same(negotiateOutput(accept('PartialObjectMetadataList'), read), { kind: 'object' }, 'a list transform on a get falls through to plain JSON');
});

t.test('JSON anywhere wins; nothing acceptable is 406', async (t) => {
  t.same(negotiateOutput('application/vnd.kubernetes.protobuf, */*', read), { kind: 'object' });
  t.same(negotiateOutput(undefined, read), { kind: 'object' });
  t.match(thrownStatus(() => negotiateOutput('application/vnd.kubernetes.protobuf', read)), { code: 406, reason: 'NotAcceptable' });
  t.match(thrownStatus(() => negotiateOutput('application/json;as=Table;v=v2;g=meta.k8s.io', read)), { code: 406 });
});
