import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { VvpClient, VvpError, isVvpHttpError, type CallRecord } from '../../../apiserver/vvp/index.js';
import { parseRetryAfter, platformMessage } from '../../../apiserver/vvp/errors.js';

async function listen(t: { teardown(fn: () => void): void }, server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  return (server.address() as AddressInfo).port;
}

function clientFor(t: { teardown(fn: () => void): void }, port: number, timeoutMs = 2000, calls: CallRecord[] = []): VvpClient {
  const client = new VvpClient({ baseUrl: `http://127.0.0.1:${port}`, token: 'secret', timeoutMs, onCall: (c) => calls.push(c) });
  t.teardown(() => client.close());
  return client;
}

function answering(status: number, body: string, headers: http.OutgoingHttpHeaders = {}): http.Server {
  return http.createServer((_req, res) => {
    res.writeHead(status, headers);
    res.end(body);
  });
}

t.test('connection refused → unreachable', async (t) => {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const calls: CallRecord[] = [];
  const err = await clientFor(t, port, 2000, calls).getDeployment('default', 'x').catch((e: unknown) => e);
  t.type(err, VvpError);
  t.match(err, { name: 'VvpError', kind: 'unreachable', method: 'GET', route: '/api/v1/namespaces/{ns}/deployments/{name}', status: undefined });
  t.match((err as Error).message, /ECONNREFUSED/);
  t.match(calls, [{ status: 0, error: 'unreachable' }]);
});

t.test('an unknown host → unreachable', async (t) => {
  const client = new VvpClient({ baseUrl: 'http://vvp.invalid:8080', timeoutMs: 5000 });
  t.teardown(() => client.close());
  await t.rejects(client.getSystemInfo(), { name: 'VvpError', kind: 'unreachable' });
});

t.test('a server that never answers → timeout', async (t) => {
  const sockets: net.Socket[] = [];
  const port = await listen(t, net.createServer((s) => sockets.push(s)));
  t.teardown(() => sockets.forEach((s) => s.destroy()));
  const started = Date.now();
  await t.rejects(clientFor(t, port, 150).listDeployments('default'), { name: 'VvpError', kind: 'timeout', route: '/api/v1/namespaces/{ns}/deployments' });
  t.ok(Date.now() - started < 1500, 'gives up at the timeout');
});

t.test('a server that stops halfway through the body → timeout', async (t) => {
  const port = await listen(
    t,
    http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"items": [');
    }),
  );
  await t.rejects(clientFor(t, port, 150).listDeployments('default'), { name: 'VvpError', kind: 'timeout' });
});

t.test("the caller's AbortSignal → aborted", async (t) => {
  const sockets: net.Socket[] = [];
  const port = await listen(t, net.createServer((s) => sockets.push(s)));
  t.teardown(() => sockets.forEach((s) => s.destroy()));
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 30);
  await t.rejects(clientFor(t, port, 5000).getJob('default', 'j', { signal: controller.signal }), { name: 'VvpError', kind: 'aborted' });
  await t.rejects(clientFor(t, port, 5000).getJob('default', 'j', { signal: AbortSignal.abort() }), { name: 'VvpError', kind: 'aborted' });
});

t.test('a 4xx JSON body → the platform message', async (t) => {
  const body = JSON.stringify({ kind: 'Error', message: 'Deployment "x" not found', reason: 'NotFound', statusCode: 404 });
  const port = await listen(t, answering(404, body, { 'content-type': 'application/json' }));
  const err = await clientFor(t, port).getDeployment('default', 'x').catch((e: unknown) => e);
  t.ok(isVvpHttpError(err, 404));
  t.notOk(isVvpHttpError(err, 409));
  t.match(err, { name: 'VvpError', kind: 'http', status: 404, message: 'Deployment "x" not found', unsupported: false });
  t.match((err as VvpError).body, { reason: 'NotFound' });
});

t.test('a plain text body → the text', async (t) => {
  const port = await listen(t, answering(401, 'Unauthorized', { 'content-type': 'text/plain' }));
  await t.rejects(clientFor(t, port).getDeployment('default', 'x'), { name: 'VvpError', kind: 'http', status: 401, message: 'Unauthorized' });
});

t.test('an empty error body → the status text', async (t) => {
  const port = await listen(t, answering(403, ''));
  await t.rejects(clientFor(t, port).getDeployment('default', 'x'), { name: 'VvpError', kind: 'http', status: 403, message: '403 Forbidden' });
});

t.test('Retry-After is passed on, in seconds', async (t) => {
  const port = await listen(t, answering(503, JSON.stringify({ error: 'maintenance' }), { 'retry-after': '7' }));
  await t.rejects(clientFor(t, port).getSystemInfo(), { name: 'VvpError', kind: 'http', status: 503, message: 'maintenance', retryAfterSeconds: 7 });
  t.equal(parseRetryAfter(undefined), undefined);
  t.equal(parseRetryAfter('soon'), undefined);
  t.equal(parseRetryAfter(' 12 '), 12);
  t.equal(parseRetryAfter(new Date(61_000).toUTCString(), 1_000), 60);
  t.equal(parseRetryAfter(new Date(0).toUTCString(), 1_000), 0);
});

t.test('error message shapes', async (t) => {
  t.equal(platformMessage('', { message: 'm' }), 'm');
  t.equal(platformMessage('', { errorMessage: 'cloud' }), 'cloud');
  t.equal(platformMessage('', { error: { message: 'nested' } }), 'nested');
  t.equal(platformMessage('', { error: 'Bad Request', status: 400 }), 'Bad Request');
  t.equal(platformMessage('', { errors: [{ message: 'first' }, { message: 'second' }] }), 'first');
  t.equal(platformMessage('', { context: { exceptionMessage: 'boom' }, reason: 'R' }), 'boom');
  t.equal(platformMessage('', { reason: 'Conflict' }), 'Conflict');
  t.equal(platformMessage('{}', {}), undefined);
  t.equal(platformMessage('  Unauthorized\n', undefined), 'Unauthorized');
  t.equal(platformMessage('x'.repeat(5000), undefined)?.length, 1025, 'long bodies are clipped');
});

t.test('a 2xx body that is not JSON → protocol', async (t) => {
  const port = await listen(t, answering(200, '<html>login</html>', { 'content-type': 'text/html' }));
  await t.rejects(clientFor(t, port).getDeployment('default', 'x'), { name: 'VvpError', kind: 'protocol' });
});

t.test('event creation refused as unknown → unsupported, told apart from other refusals', async (t) => {
  let status = 405;
  const port = await listen(
    t,
    http.createServer((_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `status ${status}` }));
    }),
  );
  const client = clientFor(t, port);
  const event = { metadata: { deploymentId: 'd' }, spec: { message: 'm' } };
  for (const s of [404, 405, 501]) {
    status = s;
    await t.rejects(client.createEvent('default', event), { name: 'VvpError', kind: 'http', status: s, unsupported: true });
  }
  for (const s of [400, 403]) {
    status = s;
    await t.rejects(client.createEvent('default', event), { name: 'VvpError', kind: 'http', status: s, unsupported: false });
  }
});

/**
 * A server that answers the first request on each connection, then resets the connection as soon as the next
 * request arrives on it: the keep-alive race, made deterministic.
 */
function resettingAfterFirst(): { server: net.Server; requests: () => number } {
  let requests = 0;
  const server = net.createServer((socket) => {
    let served = false;
    socket.on('data', () => {
      requests++;
      if (served) {
        socket.resetAndDestroy();
        return;
      }
      served = true;
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\n{}');
    });
  });
  return { server, requests: () => requests };
}

t.test('a read on a reused connection that is reset is retried once', async (t) => {
  const { server, requests } = resettingAfterFirst();
  const port = await listen(t, server);
  const calls: CallRecord[] = [];
  const client = clientFor(t, port, 2000, calls);
  await client.getSystemInfo();
  t.same(await client.getSystemInfo(), {}, 'the retry on a fresh connection succeeds');
  t.equal(requests(), 3);
  t.match(calls, [{ status: 200 }, { status: 0, error: 'unreachable' }, { status: 200 }]);
});

t.test('a write on a reused connection that is reset is not retried', async (t) => {
  const { server, requests } = resettingAfterFirst();
  const port = await listen(t, server);
  const client = clientFor(t, port);
  await client.getSystemInfo();
  await t.rejects(client.triggerSavepoint('default', { deploymentId: 'd' }), { name: 'VvpError', kind: 'unreachable', method: 'POST' });
  t.equal(requests(), 2);
});
