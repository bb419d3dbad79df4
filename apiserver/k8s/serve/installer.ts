// Turns storages into routes (by the interfaces they implement), discovery and OpenAPI, as k8s.io/apiserver's
// APIInstaller does: namespaced kinds get /namespaces/{ns}/<plural>[/{name}] plus the all-namespaces collection;
// cluster-scoped kinds only /<plural>[/{name}], so a namespaced path can never reach them.

import type { ListedObjects } from '../flowcontrol/index.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  AGGREGATED_DISCOVERY_V2, aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, groupVersions, wantsAggregatedDiscovery,
} from './discovery.js';
import { type Endpoint, type WatchSettings } from '../handlers/common.js';
import { deleteCollection, deleteObject } from '../handlers/delete.js';
import { getObject, listObjects } from '../handlers/read.js';
import { getStatus, statusVerbNotSupported, unknownSubresource, writeStatus } from '../handlers/subresources.js';
import { createObject, patchObject, replaceObject } from '../handlers/write.js';
import { buildV2, buildV3, etagOf } from './openapi.js';
import { parseAccept } from './negotiation.js';
import type { Storage } from '../storage.js';
import { statusErrors } from '../status.js';
import { ObjectValidator } from '../strategy/validation.js';
import { type Admission, NO_ADMISSION } from '../admission/index.js';

export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

export interface InstallerOptions {
  storages: Storage[];
  watch: WatchSettings;
  version: VersionInfo;
  /** The admission chain every write passes (none: NO_ADMISSION). */
  admission?: Admission;
  /** Told what each list answered (flow control's object stats). */
  onListed?(listed: ListedObjects): void;
}

type Params = { namespace?: string; name?: string };

function json(reply: FastifyReply, body: unknown, contentType = 'application/json') {
  return reply.header('content-type', contentType).send(JSON.stringify(body));
}

function installResource(app: FastifyInstance, endpoint: Endpoint) {
  const info = endpoint.info;
  const base = `/apis/${info.group}/${info.version}`;
  const collection = info.namespaced ? `${base}/namespaces/:namespace/${info.resource}` : `${base}/${info.resource}`;
  const ns = (req: FastifyRequest) => (req.params as Params).namespace;
  const name = (req: FastifyRequest) => (req.params as Params).name ?? '';

  app.get(collection, (req, reply) => listObjects(endpoint, req, reply, ns(req)));
  app.post(collection, (req, reply) => createObject(endpoint, req, reply, ns(req)));
  app.delete(collection, (req, reply) => deleteCollection(endpoint, req, reply, ns(req)));
  app.get(`${collection}/:name`, (req, reply) => getObject(endpoint, req, reply, ns(req), name(req)));
  app.put(`${collection}/:name`, (req, reply) => replaceObject(endpoint, req, reply, ns(req), name(req)));
  app.patch(`${collection}/:name`, (req, reply) => patchObject(endpoint, req, reply, ns(req), name(req)));
  app.delete(`${collection}/:name`, (req, reply) => deleteObject(endpoint, req, reply, ns(req), name(req)));
  if (info.statusSubresource) {
    const status = `${collection}/:name/status`;
    app.get(status, (req, reply) => getStatus(endpoint, req, reply, ns(req), name(req)));
    app.put(status, (req, reply) => writeStatus(endpoint, req, reply, ns(req), name(req), 'update'));
    app.patch(status, (req, reply) => writeStatus(endpoint, req, reply, ns(req), name(req), 'patch'));
    app.delete(status, async () => statusVerbNotSupported(endpoint, 'delete'));
    app.post(status, async () => statusVerbNotSupported(endpoint, 'create'));
  }
  app.all(`${collection}/:name/:subresource`, async (req) => unknownSubresource(endpoint, name(req)));
  if (info.namespaced) {
    const methodNotAllowed = async () => {
      throw statusErrors.methodNotAllowed(`the server does not allow this method on the requested resource`);
    };
    app.get(`${base}/${info.resource}`, (req, reply) => listObjects(endpoint, req, reply, undefined));
    app.route({ method: ['POST', 'PUT', 'PATCH', 'DELETE'], url: `${base}/${info.resource}`, handler: methodNotAllowed });
    // A name without its namespace: kube's CRD handler passes it on to the delegate, whose NotFound is Go's plain one.
    const pageNotFound = async (_req: FastifyRequest, reply: FastifyReply) =>
      reply.code(404).header('x-content-type-options', 'nosniff').type('text/plain; charset=utf-8').send('404 page not found\n');
    app.all(`${base}/${info.resource}/:name`, pageNotFound);
    app.all(`${base}/${info.resource}/:name/*`, pageNotFound);
  }
}

function installOpenApi(app: FastifyInstance, storages: Storage[], version: VersionInfo) {
  const gvs = groupVersions(storages);
  const title = `${[...new Set(storages.map((s) => s.info.group))].join(', ')} API`;
  const v2 = JSON.stringify(buildV2(storages, title, version.gitVersion));
  const v2Etag = `"${etagOf(v2)}"`;
  const v3 = new Map(gvs.map((gv) => {
    const body = JSON.stringify(buildV3(gv, title, version.gitVersion));
    return [`apis/${gv.group}/${gv.version}`, { body, etag: etagOf(body) }];
  }));
  const acceptsJson = (req: FastifyRequest) => parseAccept(req.headers.accept).some((r) => (r.type === 'application' && (r.subtype === 'json' || r.subtype === '*')) || r.type === '*');

  app.get('/openapi/v2', (req, reply) => {
    if (!acceptsJson(req)) throw statusErrors.notAcceptable('only the following media types are accepted: application/json');
    reply.header('etag', v2Etag).header('vary', 'Accept');
    if (req.headers['if-none-match'] === v2Etag) return reply.code(304).send();
    return reply.type('application/json').send(v2);
  });
  app.get('/openapi/v3', (_req, reply) => json(reply, {
    paths: Object.fromEntries([...v3].map(([path, doc]) => [path, { serverRelativeURL: `/openapi/v3/${path}?hash=${doc.etag}` }])),
  }));
  app.get('/openapi/v3/apis/:group/:version', (req, reply) => {
    const { group, version: v } = req.params as { group: string; version: string };
    const doc = v3.get(`apis/${group}/${v}`);
    if (!doc) throw statusErrors.notFoundPath();
    if (!acceptsJson(req)) throw statusErrors.notAcceptable('only the following media types are accepted: application/json');
    const hash = (req.query as { hash?: string }).hash;
    reply.header('etag', `"${doc.etag}"`).header('vary', 'Accept');
    if (hash !== undefined) {
      if (hash !== doc.etag) return reply.redirect(`/openapi/v3/apis/${group}/${v}?hash=${doc.etag}`, 301);
      reply.header('cache-control', 'public, immutable').header('expires', new Date(Date.now() + 365 * 86400_000).toUTCString());
    } else {
      reply.header('cache-control', 'no-cache, private');
    }
    if (req.headers['if-none-match'] === `"${doc.etag}"`) return reply.code(304).send();
    return reply.type('application/json').send(doc.body);
  });
}

/** An encapsulated plugin with every API route; register it under the server's auth hooks. */
export function apiRoutes(options: InstallerOptions) {
  return async function install(app: FastifyInstance) {
    const gvs = groupVersions(options.storages);
    for (const storage of options.storages) {
      const info = storage.info;
      installResource(app, { storage, info, apiVersion: `${info.group}/${info.version}`, validator: new ObjectValidator(info), watch: options.watch, admission: options.admission ?? NO_ADMISSION, ...(options.onListed ? { onListed: options.onListed } : {}) });
    }
    app.get('/apis', (req, reply) => {
      reply.header('vary', 'Accept');
      // A Buffer keeps fastify from appending a charset: the aggregator matches this media type exactly.
      if (wantsAggregatedDiscovery(req.headers.accept)) return reply.header('content-type', AGGREGATED_DISCOVERY_V2).send(Buffer.from(JSON.stringify(aggregatedDiscovery(gvs))));
      return json(reply, apiGroupList(gvs));
    });
    app.get('/api', (_req, reply) => json(reply, { kind: 'APIVersions', versions: [], serverAddressByClientCIDRs: [] }));
    for (const group of new Set(gvs.map((gv) => gv.group))) {
      app.get(`/apis/${group}`, (_req, reply) => json(reply, apiGroup(group, gvs)));
    }
    for (const gv of gvs) {
      app.get(`/apis/${gv.group}/${gv.version}`, (_req, reply) => json(reply, apiResourceList(gv)));
    }
    app.get('/version', (_req, reply) => json(reply, options.version));
    installOpenApi(app, options.storages, options.version);
  };
}
