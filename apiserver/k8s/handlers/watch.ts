// The watch response: a chunked stream of newline-delimited {type, object} frames, flushed per event
// (k8s.io/apiserver handlers/watch.go), with periodic BOOKMARKs, timeoutSeconds, and Table/PartialObjectMetadata
// transforms.

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ListOptions, WatchEvent, WatchOptions } from '../storage.js';
import { isWatcher } from '../storage.js';
import { statusErrors } from '../status.js';
import type { KubeObject } from '../types.js';
import { type Endpoint, outputFor, queryParam, renderObject, requestContext, truthy } from './common.js';
import type { OutputFormat } from '../serve/negotiation.js';
import { isStatusError, wireStatus } from '../status.js';

function watchOptions(request: FastifyRequest, list: ListOptions): WatchOptions {
  const options: WatchOptions = { ...list, allowWatchBookmarks: truthy(queryParam(request, 'allowWatchBookmarks')) };
  const sendInitialEvents = queryParam(request, 'sendInitialEvents');
  if (sendInitialEvents !== undefined) options.sendInitialEvents = truthy(sendInitialEvents);
  return options;
}

function timeoutSeconds(request: FastifyRequest, minTimeoutSeconds: number): number {
  const given = queryParam(request, 'timeoutSeconds');
  if (given !== undefined && given !== '') {
    // kube-apiserver's words (the query decoder's strconv.ParseInt) for what is no integer at all.
    if (!/^[-+]?\d+$/.test(given)) throw statusErrors.badRequest(`strconv.ParseInt: parsing ${JSON.stringify(given)}: invalid syntax`);
    // Negative is no error to kube-apiserver: its watch timer of a negative duration fires at once (serveWatch).
    if (Number(given) !== 0) return Number(given);
  }
  return minTimeoutSeconds * (1 + Math.random());
}

function bookmarkObject(endpoint: Endpoint, format: OutputFormat, object: Record<string, unknown>): unknown {
  const metadata = (object.metadata ?? {}) as KubeObject['metadata'];
  const bare: KubeObject['metadata'] = { resourceVersion: metadata.resourceVersion ?? '' };
  if (metadata.annotations) bare.annotations = metadata.annotations;
  if (format.kind === 'partial') return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${format.version}`, metadata: bare };
  if (format.kind === 'table') return { kind: 'Table', apiVersion: `meta.k8s.io/${format.version}`, metadata: { resourceVersion: bare.resourceVersion }, columnDefinitions: [], rows: [] };
  return { kind: endpoint.info.kind, apiVersion: endpoint.apiVersion, metadata: bare };
}

/**
 * Frames already serialized, per event object (every watcher of a change gets the same object from the hub): with
 * 1,000 watchers a change is rendered once per output format, not once per watcher. Tables depend on the request.
 */
const frames = new WeakMap<object, Map<string, string>>();

function frameKey(endpoint: Endpoint, format: OutputFormat, type: string): string | undefined {
  return format.kind === 'table' ? undefined : `${type} ${format.kind} ${format.kind === 'partial' ? format.version : ''} ${endpoint.apiVersion}`;
}

function watchHeaders(request: FastifyRequest): Record<string, string> {
  return { 'content-type': 'application/json', 'cache-control': 'no-cache, private', ...(request.id ? { 'audit-id': String(request.id) } : {}) };
}

export async function serveWatch(endpoint: Endpoint, request: FastifyRequest, reply: FastifyReply, list: ListOptions) {
  const storage = endpoint.storage;
  if (!isWatcher(storage)) throw statusErrors.methodNotAllowed('watch is not supported');
  const format = outputFor(request, { list: true, watch: true });
  const options = watchOptions(request, list);
  const timeout = timeoutSeconds(request, endpoint.watch.minTimeoutSeconds);
  const ctx = requestContext(request, reply);
  // Errors before the stream starts (422, 403, 503) are ordinary error responses; a resourceVersion too old is not:
  // kube-apiserver's watch cache answers it with a stream whose one event is the ERROR (410 Expired), and informers
  // read it there.
  let stream: Awaited<ReturnType<typeof storage.watch>>;
  try {
    stream = await storage.watch(ctx, options);
  } catch (err) {
    if (!(isStatusError(err) && err.code === 410)) throw err;
    reply.hijack();
    reply.raw.writeHead(200, watchHeaders(request));
    reply.raw.end(`${JSON.stringify({ type: 'ERROR', object: wireStatus(err.status) })}\n`);
    return;
  }

  reply.hijack();
  const res = reply.raw;
  if (timeout < 0) {
    stream.stop();
    res.writeHead(200, watchHeaders(request));
    res.end();
    return;
  }
  res.writeHead(200, watchHeaders(request));
  // An empty watch must still answer at once: clients wait for the response headers before doing anything else.
  (res as { flushHeaders?: () => void }).flushHeaders?.();
  endpoint.watch.onWatchCount?.(endpoint.info.resource, 1);
  let lastResourceVersion = options.resourceVersion;
  let headersSent = false;
  let open = true;

  const write = (event: WatchEvent): boolean => {
    if (!open) return true;
    const key = event.type === 'ERROR' || event.type === 'BOOKMARK' ? undefined : frameKey(endpoint, format, event.type);
    const known = key === undefined ? undefined : frames.get(event.object)?.get(key);
    if (known !== undefined) {
      const rv = (event.object as KubeObject).metadata?.resourceVersion;
      if (rv) lastResourceVersion = rv;
      return res.write(known);
    }
    let object: unknown;
    if (event.type === 'ERROR') object = event.object;
    else if (event.type === 'BOOKMARK') object = bookmarkObject(endpoint, format, event.object);
    else {
      object = renderObject(endpoint, request, format, event.object as KubeObject, !headersSent);
      headersSent = true;
    }
    const rv = (event.object as KubeObject).metadata?.resourceVersion;
    if (rv && event.type !== 'ERROR') lastResourceVersion = rv;
    const frame = `${JSON.stringify({ type: event.type, object })}\n`;
    if (key !== undefined) {
      let byKey = frames.get(event.object);
      if (!byKey) frames.set(event.object, (byKey = new Map()));
      byKey.set(key, frame);
    }
    return res.write(frame);
  };
  // A slow reader holds the next event back instead of piling frames up in memory.
  const drained = () => new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });

  const finish = () => {
    if (!open) return;
    open = false;
    clearTimeout(timer);
    clearInterval(bookmarks);
    stream.stop();
    endpoint.watch.onWatchCount?.(endpoint.info.resource, -1);
    if (!res.writableEnded) res.end();
  };

  const timer = setTimeout(finish, timeout * 1000);
  const bookmarks = setInterval(() => {
    if (!options.allowWatchBookmarks) return;
    const rv = stream.currentResourceVersion?.() ?? lastResourceVersion;
    if (rv) write({ type: 'BOOKMARK', object: { metadata: { resourceVersion: rv } } });
  }, endpoint.watch.bookmarkIntervalMs);
  res.once('close', finish);

  try {
    for await (const event of stream) {
      if (!open) break;
      if (write(event) === false && open) await drained();
    }
  } catch (err) {
    if (open) {
      const status = isStatusError(err) ? err.status : statusErrors.internal().status;
      if (!isStatusError(err)) request.log.error({ err }, 'watch failed');
      write({ type: 'ERROR', object: wireStatus(status) });
    }
  } finally {
    finish();
  }
}
