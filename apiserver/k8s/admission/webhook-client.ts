// Calls one admission webhook: the clientConfig's URL, or its Service (resolved as kube-apiserver's service resolver
// does: an ExternalName Service's name, else the ClusterIP), over HTTPS verified against caBundle (system roots when
// empty) and the name `<service>.<namespace>.svc`. One POST of an AdmissionReview, bounded by timeoutSeconds and the
// answer's size. Failures are worded as kube-apiserver words them (`Post "<url>": …`).

import https from 'node:https';
import { rootCertificates } from 'node:tls';

export interface ServiceReference { namespace: string; name: string; path?: string; port?: number }
export interface WebhookClientConfig { url?: string; service?: ServiceReference; caBundle?: string }

export interface ServiceEndpoint { host: string; port: number }
export interface ServiceResolver {
  resolve(namespace: string, name: string, port: number): Promise<ServiceEndpoint>;
}

/** A failure to reach the webhook or to read its answer (webhookutil.ErrCallingWebhook's reason). */
export class WebhookCallError extends Error {}

const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
const MAX_AGENTS = 64;
const agents = new Map<string, https.Agent>();

function agentFor(caBundle: string | undefined, servername: string | undefined): https.Agent {
  const key = `${servername ?? ''}\n${caBundle ?? ''}`;
  let agent = agents.get(key);
  if (!agent) {
    if (agents.size >= MAX_AGENTS) {
      for (const a of agents.values()) a.destroy();
      agents.clear();
    }
    const ca = caBundle ? Buffer.from(caBundle, 'base64').toString('utf8') : [...rootCertificates];
    agent = new https.Agent({ keepAlive: true, maxSockets: 32, ca, ...(servername ? { servername } : {}) });
    agents.set(key, agent);
  }
  return agent;
}

interface Target { url: URL; connectHost: string; connectPort: number; servername?: string }

async function target(config: WebhookClientConfig, resolver: ServiceResolver, timeoutSeconds: number): Promise<Target> {
  if (config.url) {
    const url = new URL(config.url);
    url.searchParams.set('timeout', `${timeoutSeconds}s`);
    return { url, connectHost: url.hostname.replace(/^\[|\]$/g, ''), connectPort: Number(url.port || 443) };
  }
  const svc = config.service;
  if (!svc) throw new WebhookCallError('no clientConfig url or service');
  const port = svc.port ?? 443;
  const servername = `${svc.name}.${svc.namespace}.svc`;
  const url = new URL(`https://${servername}:${port}${svc.path ?? ''}`);
  url.searchParams.set('timeout', `${timeoutSeconds}s`);
  let endpoint: ServiceEndpoint;
  try {
    endpoint = await resolver.resolve(svc.namespace, svc.name, port);
  } catch (err) {
    throw new WebhookCallError(`failed to resolve service ${svc.namespace}/${svc.name}: ${(err as Error).message}`);
  }
  return { url, connectHost: endpoint.host, connectPort: endpoint.port, servername };
}

/** POSTs `body` (JSON) and returns the parsed JSON answer; throws WebhookCallError. */
export async function postAdmissionReview(
  config: WebhookClientConfig, body: unknown, timeoutSeconds: number, resolver: ServiceResolver, signal?: AbortSignal,
): Promise<unknown> {
  const t = await target(config, resolver, timeoutSeconds);
  const payload = Buffer.from(JSON.stringify(body));
  const where = `Post "${t.url.toString()}"`;
  return new Promise((resolve, reject) => {
    const fail = (why: string) => reject(new WebhookCallError(`failed to call webhook: ${where}: ${why}`));
    const req = https.request({
      method: 'POST', host: t.connectHost, port: t.connectPort, path: `${t.url.pathname}${t.url.search}`,
      headers: { 'content-type': 'application/json', accept: 'application/json', 'content-length': payload.length, host: t.url.host },
      agent: agentFor(config.caBundle, t.servername ?? (t.url.hostname === t.connectHost ? undefined : t.url.hostname)),
      timeout: timeoutSeconds * 1000,
      ...(signal ? { signal } : {}),
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_RESPONSE_BYTES) {
          req.destroy();
          fail(`the response is larger than ${MAX_RESPONSE_BYTES} bytes`);
        } else chunks.push(c);
      });
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) {
          reject(new WebhookCallError(`failed to call webhook: an error on the server ("${text.slice(0, 200)}") has prevented the request from succeeding`));
          return;
        }
        try {
          resolve(JSON.parse(text));
        } catch {
          reject(new WebhookCallError('received invalid webhook response: the response is not JSON'));
        }
      });
      res.on('error', (err) => fail(err.message));
    });
    // A deadline for the whole call, not only for idle sockets.
    const deadline = setTimeout(() => { req.destroy(); fail('context deadline exceeded'); }, timeoutSeconds * 1000);
    req.on('close', () => clearTimeout(deadline));
    req.on('timeout', () => { req.destroy(); fail('context deadline exceeded'); });
    req.on('error', (err: NodeJS.ErrnoException) => fail(err.code === 'ECONNREFUSED' ? `dial tcp ${t.connectHost}:${t.connectPort}: connect: connection refused` : err.message));
    req.end(payload);
  });
}
