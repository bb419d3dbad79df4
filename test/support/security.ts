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
