// The admission chain of one write, in k8s.io/apiserver's order: the mutating plugins one after the other
// (NamespaceLifecycle, MutatingAdmissionWebhook), then the strategy step — the server's system fields, schema and
// the resource's own PrepareFor*/Validate* (../strategy.ts), which kube runs in its registry between the two — then
// the validating plugins (ValidatingAdmissionPolicy, ValidatingAdmissionWebhook), which so see the server's
// defaults and never a write the resource refuses. A handler calls admit() once, before anything is written;
// whatever throws here is the request's answer and nothing reaches the storage.

import { isStatusError } from '../status.js';
import type { KubeObject } from '../types.js';
import type { AdmissionAttributes, GroupVersionResource, Operation } from './attributes.js';
import type { AdmissionMetrics } from './metrics.js';

export type Warnings = string[];

export interface AdmissionPlugin {
  readonly name: string;
  handles(a: AdmissionAttributes): boolean;
  /** Mutation: may replace a.object. */
  admit?(a: AdmissionAttributes, warnings: Warnings): Promise<void>;
  validate?(a: AdmissionAttributes, warnings: Warnings): Promise<void>;
  /** Whether some configuration could take this operation on this resource (and would read its objects). */
  mayMatch?(resource: GroupVersionResource, operation: Operation): boolean;
}

export interface AdmissionResult {
  /** The object as admission left it (undefined for DELETE). */
  object?: KubeObject;
  warnings: string[];
}

export interface Admission {
  /**
   * Runs the chain; `strategy` is the strategy step, run between mutation and validation on a.object in place (it
   * throws to refuse, and answers its warnings).
   */
  admit(a: AdmissionAttributes, strategy?: (object: KubeObject) => string[]): Promise<AdmissionResult>;
  /** Whether admission could look at the objects of this operation: a delete reads the live object only then. */
  needsObjects?(resource: GroupVersionResource, operation: Operation): boolean;
}

/** No plugins: a server run without a cluster (tests), or with admission turned off. */
export const NO_ADMISSION: Admission = {
  async admit(a, strategy) {
    return { object: a.object, warnings: a.object && strategy ? strategy(a.object) : [] };
  },
};

export class AdmissionChain implements Admission {
  constructor(private readonly plugins: AdmissionPlugin[], private readonly metrics?: AdmissionMetrics) {}

  needsObjects(resource: GroupVersionResource, operation: Operation): boolean {
    return this.plugins.some((p) => p.mayMatch?.(resource, operation) ?? false);
  }

  async admit(a: AdmissionAttributes, strategy?: (object: KubeObject) => string[]): Promise<AdmissionResult> {
    const warnings: string[] = [];
    try {
      await this.step('admit', a, warnings, (p) => p.admit?.bind(p));
      if (a.object && strategy) warnings.push(...strategy(a.object));
      await this.step('validate', a, warnings, (p) => p.validate?.bind(p));
    } catch (err) {
      // As kube-apiserver: the warnings gathered so far reach the client with the refusal.
      if (isStatusError(err)) err.warnings.unshift(...warnings);
      throw err;
    }
    return { object: a.object, warnings };
  }

  private async step(
    type: 'admit' | 'validate', a: AdmissionAttributes, warnings: Warnings,
    pick: (p: AdmissionPlugin) => ((a: AdmissionAttributes, w: Warnings) => Promise<void>) | undefined,
  ): Promise<void> {
    const started = process.hrtime.bigint();
    let rejected = false;
    try {
      for (const plugin of this.plugins) {
        const run = pick(plugin);
        if (!run || !plugin.handles(a)) continue;
        const pluginStarted = process.hrtime.bigint();
        try {
          await run(a, warnings);
        } catch (err) {
          rejected = true;
          this.metrics?.pluginDuration(plugin.name, a.operation, type, true, seconds(pluginStarted));
          throw err;
        }
        this.metrics?.pluginDuration(plugin.name, a.operation, type, false, seconds(pluginStarted));
      }
    } finally {
      this.metrics?.stepDuration(a.operation, type, rejected, seconds(started));
    }
  }
}

function seconds(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}
