// A real admission webhook for end-to-end tests and make bench: an HTTPS server on loopback with a certificate for
// `<service>.<namespace>.svc` (certs/pki.ts), reached as the product's own APIService is — through an ExternalName
// Service pointing at 127.0.0.1 — with the CA as the webhook configuration's caBundle. Each path is one webhook:
// a function from the AdmissionRequest to the response fields (at once or later: a slow webhook for timeouts); every
// review received is kept for the test to read, with the AdmissionReview version kube chose (the answer is sent in the
// same version, as kube requires).
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { CertificateAuthority, serviceDnsNames } from '../certs/pki.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface AdmissionRequestSeen {
  uid: string;
  kind: { group: string; version: string; kind: string };
  resource: { group: string; version: string; resource: string };
  requestKind?: unknown;
  requestResource?: unknown;
  name: string;
  namespace?: string;
  operation: string;
  userInfo: { username: string; groups?: string[] };
  object: { metadata: { name: string; labels?: Record<string, string> }; spec?: Record<string, unknown> } | null;
  oldObject: { metadata: { name: string; labels?: Record<string, string> } } | null;
  dryRun: boolean;
  options: { kind: string; apiVersion: string; [k: string]: unknown };
}

export interface WebhookAnswer {
  allowed: boolean;
  status?: { code?: number; message?: string; reason?: string };
  /** A JSONPatch, sent base64-encoded with patchType JSONPatch. */
  patch?: Json[];
  warnings?: string[];
  auditAnnotations?: Record<string, string>;
}

export type WebhookHandler = (request: AdmissionRequestSeen) => WebhookAnswer | Promise<WebhookAnswer>;

/** One AdmissionReview as received: its path, its apiVersion (admission.k8s.io/v1 or v1beta1) and its request. */
export interface ReviewReceived {
  path: string;
  apiVersion: string;
  request: AdmissionRequestSeen;
}

export interface WebhookServer {
  port: number;
  caBundle: string;
  service: { namespace: string; name: string };
  /** Reviews received, by path, oldest first. */
  reviews: Map<string, AdmissionRequestSeen[]>;
  /** Every review received, oldest first. */
  received: ReviewReceived[];
  clientConfig(path: string): Record<string, Json>;
  close(): Promise<void>;
}

export async function startWebhookServer(service: { namespace: string; name: string }, handlers: Record<string, WebhookHandler>): Promise<WebhookServer> {
  const ca = await CertificateAuthority.create(`${service.name}-ca`);
  const serving = await ca.issueServing({
    commonName: `${service.name}.${service.namespace}.svc`, dnsNames: serviceDnsNames(service.name, service.namespace), ipAddresses: ['127.0.0.1'], validDays: 2,
  });
  const reviews = new Map<string, AdmissionRequestSeen[]>();
  const received: ReviewReceived[] = [];
  const server: Server = createServer({ cert: serving.certPem, key: serving.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => void answerReview());
    const answerReview = async () => {
      const path = new URL(req.url ?? '/', 'https://x').pathname;
      const handler = handlers[path];
      if (req.method !== 'POST' || !handler) {
        res.writeHead(404).end();
        return;
      }
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { apiVersion: string; request: AdmissionRequestSeen };
      const seen = reviews.get(path) ?? [];
      seen.push(review.request);
      reviews.set(path, seen);
      received.push({ path, apiVersion: review.apiVersion, request: review.request });
      const answer = await handler(review.request);
      if (res.destroyed) return;
      const response: Record<string, unknown> = { uid: review.request.uid, allowed: answer.allowed };
      if (answer.status) response.status = answer.status;
      if (answer.warnings) response.warnings = answer.warnings;
      if (answer.auditAnnotations) response.auditAnnotations = answer.auditAnnotations;
      if (answer.patch) {
        response.patchType = 'JSONPatch';
        response.patch = Buffer.from(JSON.stringify(answer.patch)).toString('base64');
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ apiVersion: review.apiVersion, kind: 'AdmissionReview', response }));
    };
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const caBundle = Buffer.from(ca.certPem).toString('base64');
  return {
    port, caBundle, service, reviews, received,
    clientConfig: (path) => ({ service: { namespace: service.namespace, name: service.name, path, port }, caBundle }),
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** The ExternalName Service that routes `<name>.<namespace>.svc:<port>` to the loopback server, as the chart does for the product. */
export function externalNameService(namespace: string, name: string, port: number): Record<string, Json> {
  return {
    apiVersion: 'v1', kind: 'Service', metadata: { namespace, name },
    spec: { type: 'ExternalName', externalName: '127.0.0.1', ports: [{ name: 'https', port, protocol: 'TCP' }] },
  };
}
