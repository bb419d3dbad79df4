import t from 'tap';
import { parseQuery, urlProblem } from '../../../apiserver/k8s/serve/request-url.js';
import { requestInfo } from '../../../apiserver/k8s/serve/requestinfo.js';

const base = '/apis/g.example.com/v1/namespaces/ns/things';

t.test('a URL that could be read two ways is refused', async (t) => {
  t.match(urlProblem(`${base}/target#/status`), /"#"/);
  t.match(urlProblem(`${base}?fieldSelector=metadata.namespace!=a%ZZ%2Cmetadata.name%3Dallowed`), /invalid percent-encoding/);
  t.match(urlProblem(`${base}/%E0%A4%A`), /invalid percent-encoding/);
  t.match(urlProblem(`${base}/%FF`), /invalid percent-encoding/);
  t.match(urlProblem(`${base}/a\u0001b`), /control character/);
  t.match(urlProblem(`${base}/a%0Ab`), /encoded control character/);
  t.equal(urlProblem(`${base}/a?fieldSelector=metadata.name%3Db&watch=1`), undefined);
  t.equal(urlProblem(`${base}/caf%C3%A9?labelSelector=a+in+(b)`), undefined);
});

t.test('the query is decoded one way: repeated keys kept in order, + a space, the first value counts', async (t) => {
  t.same({ ...parseQuery('a=1&a=2&b&c=x+y%2Bz&=e') }, { a: ['1', '2'], b: '', c: 'x y+z', '': 'e' });
  const query = parseQuery('fieldSelector=metadata.name%3Dfirst&fieldSelector=metadata.name%3Dsecond');
  t.equal(requestInfo('GET', `${base}?ignored`, query).name, 'first', 'requestinfo reads the query object it is given');
});

t.test('empty path segments stay, as upstream: things//status names no object', async (t) => {
  const info = requestInfo('PATCH', `${base}//status`);
  t.equal(info.name, '');
  t.equal(info.subresource, 'status');
});
