// Where the time of one request goes, stage by stage (issue 17: `make bench` breaks a create and an update down by
// stage). With the server's --server-timing flag every answer carries a W3C Server-Timing header,
// `admission;dur=1.2, platform-write;dur=3.4, …` (kube-apiserver's proxy passes it through); without it nothing is
// timed. Off by default: how long a SubjectAccessReview or a platform call took is the operator's business, not
// every client's. A stage entered twice (two platform reads) adds up; stages may nest (a total and its parts).

import type { RequestContext } from '../storage.js';

export class StageTimes {
  private readonly totals = new Map<string, number>();

  add(stage: string, ms: number): void {
    this.totals.set(stage, (this.totals.get(stage) ?? 0) + ms);
  }

  /** The Server-Timing header value; undefined when nothing was timed. */
  header(): string | undefined {
    if (this.totals.size === 0) return undefined;
    return [...this.totals].map(([stage, ms]) => `${stage};dur=${ms.toFixed(2)}`).join(', ');
  }
}

/** Runs `work` as `stage` of the request `ctx` (timed only when the request is). */
export async function timed<T>(ctx: Pick<RequestContext, 'stages'>, stage: string, work: () => Promise<T> | T): Promise<T> {
  const stages = ctx.stages;
  if (!stages) return work();
  const started = performance.now();
  try {
    return await work();
  } finally {
    stages.add(stage, performance.now() - started);
  }
}

/** Parses a Server-Timing header into ms per stage (what `make bench` reads of an answer). Pure. */
export function parseServerTiming(header: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const entry of (header ?? '').split(',')) {
    const [name, ...params] = entry.trim().split(';');
    const dur = params.map((p) => /^\s*dur=([0-9.]+)\s*$/.exec(p)?.[1]).find((d) => d !== undefined);
    if (name && dur !== undefined) out[name.trim()] = (out[name.trim()] ?? 0) + Number(dur);
  }
  return out;
}
