// Deployments of a namespace by name and by id, with their JSON kept serialized: listings of thousands stay cheap,
// as the bench's large namespaces need.

import type { Deployment } from '../types.js';
import { matches, type Requirement } from './label-selector.js';

/**
 * Deployments of one namespace, indexed by name, by id and by label (key → value → names), so that a GET
 * and a labelSelector list stay fast at 10,000 deployments.
 */
export class DeploymentIndex {
  private readonly byName = new Map<string, Deployment>();
  private readonly nameById = new Map<string, string>();
  private readonly byLabel = new Map<string, Map<string, Set<string>>>();
  /** Serialized versions; valid because a stored version is never mutated, only replaced. */
  private readonly serialized = new WeakMap<Deployment, Buffer>();

  get size(): number {
    return this.byName.size;
  }

  get(name: string): Deployment | undefined {
    return this.byName.get(name);
  }

  getById(id: string): Deployment | undefined {
    const name = this.nameById.get(id);
    return name === undefined ? undefined : this.byName.get(name);
  }

  /** The JSON of a stored deployment version, serialized (and UTF-8 encoded) once. */
  json(deployment: Deployment): Buffer {
    let json = this.serialized.get(deployment);
    if (json === undefined) this.serialized.set(deployment, (json = Buffer.from(JSON.stringify(deployment))));
    return json;
  }

  all(): IterableIterator<Deployment> {
    return this.byName.values();
  }

  /** Stores a new version of a deployment (copy-on-write: stored objects are never mutated). */
  put(deployment: Deployment): void {
    const previous = this.byName.get(deployment.metadata.name);
    if (previous) this.unindexLabels(previous);
    this.byName.set(deployment.metadata.name, deployment);
    this.nameById.set(deployment.metadata.id, deployment.metadata.name);
    for (const [key, value] of Object.entries(deployment.metadata.labels)) {
      let values = this.byLabel.get(key);
      if (!values) this.byLabel.set(key, (values = new Map()));
      let names = values.get(value);
      if (!names) values.set(value, (names = new Set()));
      names.add(deployment.metadata.name);
    }
  }

  remove(deployment: Deployment): void {
    this.unindexLabels(deployment);
    this.byName.delete(deployment.metadata.name);
    this.nameById.delete(deployment.metadata.id);
  }

  /** Deployments matching every requirement, sorted by name. */
  select(requirements: Requirement[]): Deployment[] {
    const candidates = this.candidateNames(requirements);
    const result: Deployment[] = [];
    for (const name of candidates ?? this.byName.keys()) {
      const deployment = this.byName.get(name);
      if (deployment && matches(deployment.metadata.labels, requirements)) result.push(deployment);
    }
    return result.sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  }

  /** The smallest name set an `in`/`exists` requirement allows, or undefined when none narrows the search. */
  private candidateNames(requirements: Requirement[]): Iterable<string> | undefined {
    let best: { size: number; sets: Set<string>[] } | undefined;
    for (const r of requirements) {
      if (r.op !== 'in' && r.op !== 'exists') continue;
      const values = this.byLabel.get(r.key);
      const sets = values ? (r.op === 'exists' ? [...values.values()] : r.values.flatMap((v) => values.get(v) ?? [])) : [];
      const size = sets.reduce((sum, set) => sum + set.size, 0);
      if (!best || size < best.size) best = { size, sets };
    }
    if (!best) return undefined;
    // One set is used as is; several (values of one key never overlap) are simply chained.
    return best.sets.length === 1 ? best.sets[0] : best.sets.flatMap((set) => [...set]);
  }

  private unindexLabels(deployment: Deployment): void {
    for (const [key, value] of Object.entries(deployment.metadata.labels)) {
      const values = this.byLabel.get(key);
      const names = values?.get(value);
      names?.delete(deployment.metadata.name);
      if (names && names.size === 0) values?.delete(value);
      if (values && values.size === 0) this.byLabel.delete(key);
    }
  }
}
