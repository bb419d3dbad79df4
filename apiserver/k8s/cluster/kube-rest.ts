// Plain JSON requests to kube-apiserver with a KubeConfig's credentials, for what the generated client
// serializes wrongly: it writes metav1.MicroTime with millisecond precision, which kube-apiserver rejects.
import { request } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export class KubeRestError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

type HttpsOptions = Parameters<typeof request>[1];

/** How long the credentials and TLS options a KubeConfig applies are reused (its token and key files are re-read after). */
const OPTIONS_TTL_MS = 10_000;
const applied = new WeakMap<KubeConfig, { options: HttpsOptions; at: number }>();

/**
 * The KubeConfig's TLS options, agent and credentials. client-node reads the files, decodes the PEMs and builds an
 * agent on every call (an Event per write made that ~10% of the call's CPU, issue 32); kept for OPTIONS_TTL_MS.
 */
async function httpsOptions(kubeConfig: KubeConfig): Promise<HttpsOptions> {
  const kept = applied.get(kubeConfig);
  if (kept && Date.now() - kept.at < OPTIONS_TTL_MS) return kept.options;
  const options: HttpsOptions = { headers: { accept: 'application/json', 'content-type': 'application/json' }, timeout: 10_000 };
  await kubeConfig.applyToHTTPSOptions(options);
  applied.set(kubeConfig, { options, at: Date.now() });
  return options;
}

export async function kubeRest<T>(kubeConfig: KubeConfig, method: string, path: string, body?: unknown): Promise<T> {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig names no current cluster');
  const url = new URL(path, cluster.server);
  const options: HttpsOptions = { ...(await httpsOptions(kubeConfig)), method };
  return new Promise<T>((resolve, reject) => {
    const req = request(url, options, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        const code = res.statusCode ?? 0;
        if (code >= 200 && code < 300) resolve(JSON.parse(text) as T);
        else reject(new KubeRestError(code, (JSON.parse(text || '{}') as { message?: string }).message ?? `HTTP ${code}`));
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timeout`)));
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** metav1.MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
