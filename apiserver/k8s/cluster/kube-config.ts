// client-node builds a new https.Agent for every API call, so each SubjectAccessReview, TokenReview, Event or Lease
// call opens a new TLS connection (and parses the CA bundle again). This KubeConfig hands out one keep-alive agent
// per set of TLS options instead; the per-request credentials (bearer token headers) are untouched.
import https from 'node:https';
import { KubeConfig, type RequestContext } from '@kubernetes/client-node';

const TLS_OPTIONS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

export class KeepAliveKubeConfig extends KubeConfig {
  private readonly agents = new Map<string, https.Agent>();

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const shared = this.shared(context.getAgent());
    if (shared) context.setAgent(shared);
  }

  override async applyToHTTPSOptions(opts: https.RequestOptions): Promise<void> {
    await super.applyToHTTPSOptions(opts);
    const shared = this.shared(opts.agent);
    if (shared) opts.agent = shared;
  }

  /** The keep-alive agent with the TLS options of `agent`; undefined for anything but a plain https.Agent (proxies). */
  private shared(agent: unknown): https.Agent | undefined {
    if (!(agent instanceof https.Agent) || agent.constructor !== https.Agent) return undefined;
    const options = agent.options as https.AgentOptions;
    const key = JSON.stringify(TLS_OPTIONS.map((k) => String(options[k] ?? '')));
    let kept = this.agents.get(key);
    if (!kept) {
      const tls = Object.fromEntries(TLS_OPTIONS.filter((k) => options[k] !== undefined).map((k) => [k, options[k]]));
      this.agents.set(key, (kept = new https.Agent({ ...tls, keepAlive: true, maxSockets: 32 })));
    }
    return kept;
  }
}
