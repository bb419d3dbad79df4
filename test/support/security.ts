// Builders for the security suites: the count of attacks tried and accepted (the figures of the closing note and
// the Guarantees rows), and a previous operator instance on the emulator, acting with its own token.
import { randomBytes } from 'node:crypto';
import type { Stack } from '../../apiservice/local/stack.js';

/** Attacks tried and accepted, per finding. */
export function attackLedger() {
  const counts = new Map<string, { tried: number; accepted: number }>();
  return {
    record(finding: string, accepted: boolean): void {
      const c = counts.get(finding) ?? { tried: 0, accepted: 0 };
      c.tried++;
      if (accepted) c.accepted++;
      counts.set(finding, c);
    },
    summary(): string {
      return [...counts].map(([f, c]) => `${f} ${c.tried} tried / ${c.accepted} accepted`).join(', ');
    },
  };
}

/** Another operator instance (Ververica's own, say): its token for the emulator's `--token`, and calls made with it. */
export function vendorOperator(instanceId: string) {
  const token = `${instanceId}-${randomBytes(12).toString('hex')}`;
  return {
    token,
    on(stack: Pick<Stack, 'vvpUrl'>) {
      return async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
        const res = await fetch(`${stack.vvpUrl}${path}`, {
          method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        const text = await res.text();
        return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
      };
    },
  };
}

/** Watches for `windowMs` that `bad()` never becomes true (a forgery or an attack must have no effect). */
export async function never(bad: () => Promise<boolean>, windowMs = 10_000): Promise<boolean> {
  const until = Date.now() + windowMs;
  while (Date.now() < until) {
    if (await bad()) return false;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return true;
}

/**
 * The platform-side forger: a token bound to this operator instance (the platform lets it write the deployments the
 * server manages; on VVP 2 any editor of the namespace can), minted through the emulator's admin API.
 */
export async function platformForger(stack: Pick<Stack, 'vvpUrl' | 'instanceId'>, platformNamespace: string, mint: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: unknown }>) {
  const minted = await mint('POST', '/__emulator/tokens', { role: 'editor', namespace: platformNamespace, operatorInstance: stack.instanceId, name: `forger-${randomBytes(4).toString('hex')}` });
  if (minted.status !== 201) throw new Error(`minting a token: ${JSON.stringify(minted.body)}`);
  const secret = (minted.body as { secret: string }).secret;
  return async (method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(`${stack.vvpUrl}${path}`, {
      method, headers: { authorization: `Bearer ${secret}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) as unknown : undefined };
  };
}
