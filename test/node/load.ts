// A client that keeps using the API through kube-apiserver while the Pods behind the APIService change (helm upgrade,
// a killed leader): it lists, gets, patches and creates VvpDeployments one request after another, and records every
// request that did not succeed — with its status and body — so a test can say how many were sent and which failed.
// Beside it, a watcher samples the APIService's Available condition and adds up the time it was not True.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ControlPlane } from '../../tools/cluster/control-plane.js';

interface Answer { status: number; body: string }

export interface LoadReport {
  sent: number;
  failed: { what: string; status: number; body: string }[];
  /** Names whose create succeeded: each must exist once afterwards. */
  created: string[];
}

function adminTls(cp: ControlPlane): { ca: string; cert: string; key: string } {
  const admin = JSON.parse(readFileSync(join(cp.stateDir, 'admin.json'), 'utf8')) as { certPem: string; keyPem: string };
  return { ca: cp.clusterCa.certPem, cert: admin.certPem, key: admin.keyPem };
}

/** One HTTPS request to kube-apiserver as the admin. A connection error counts as status 0. */
export function apiRequest(cp: ControlPlane, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Answer> {
  const url = new URL(path, cp.server);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve) => {
    const req = request(url, {
      method, ...adminTls(cp), timeout: 60_000,
      headers: { accept: 'application/json', ...(payload ? { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) } : {}) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', (err) => resolve({ status: 0, body: err.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout after 60 s')));
    req.on('error', (err) => resolve({ status: 0, body: err.message }));
    req.end(payload);
  });
}

/** Runs the loop until stop() resolves; create makes a manifest for a new name (`<prefix>-<n>`). */
export function startLoad(cp: ControlPlane, collection: string, prefix: string, create: (name: string) => object): { stop(): Promise<LoadReport> } {
  const report: LoadReport = { sent: 0, failed: [], created: [] };
  let running = true;
  const record = (what: string, answer: Answer, ok: (s: number) => boolean) => {
    report.sent++;
    if (!ok(answer.status)) report.failed.push({ what, status: answer.status, body: answer.body.slice(0, 300) });
  };
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const name = `${prefix}-${i}`;
      const made = await apiRequest(cp, 'POST', collection, create(name));
      record(`create ${name}`, made, (s) => s === 201);
      if (made.status === 201) report.created.push(name);
      record('list', await apiRequest(cp, 'GET', collection), (s) => s === 200);
      const target = report.created[report.created.length - 1];
      if (target) {
        record(`get ${target}`, await apiRequest(cp, 'GET', `${collection}/${target}`), (s) => s === 200);
        record(`patch ${target}`, await apiRequest(cp, 'PATCH', `${collection}/${target}`, { metadata: { labels: { round: String(i) } } }, 'application/merge-patch+json'), (s) => s === 200);
      }
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return report;
    },
  };
}

/** Samples the APIService's Available condition every 200 ms; reports the longest and total time it was not True. */
export function watchAvailability(cp: ControlPlane, apiService: string): { stop(): Promise<{ samples: number; unavailableMs: number; longestMs: number }> } {
  let running = true;
  let unavailableMs = 0;
  let longestMs = 0;
  let samples = 0;
  const loop = (async () => {
    let downSince: number | undefined;
    let last = Date.now();
    while (running) {
      const res = await apiRequest(cp, 'GET', `/apis/apiregistration.k8s.io/v1/apiservices/${apiService}`);
      const now = Date.now();
      const available = res.status === 200 && (JSON.parse(res.body) as { status?: { conditions?: { type: string; status: string }[] } })
        .status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True') === true;
      samples++;
      if (!available) {
        unavailableMs += now - last;
        downSince ??= last;
        longestMs = Math.max(longestMs, now - downSince);
      } else {
        downSince = undefined;
      }
      last = now;
      await sleep(200);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { samples, unavailableMs, longestMs };
    },
  };
}
