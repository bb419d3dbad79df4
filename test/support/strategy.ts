// A storage as the machinery calls it: every create and every update's written object passes the resource's strategy
// first (PrepareForCreate/Validate, PrepareForUpdate/ValidateUpdate, apiserver/k8s/strategy/strategy.ts), as the write handlers
// run it between mutating and validating admission. Unit tests of a storage call its verbs through this, so that they
// see the defaults and the 422s a client sees, without a server in between.

import { applyCreateStrategy, applyUpdateStrategy, type RestStrategy } from '../../apiserver/k8s/strategy/strategy.js';
import type { Creater, KubeObject, RequestContext, SentObject, Storage, UpdateTransform, Updater } from '../../apiserver/k8s/index.js';

export function throughStrategy<S extends Storage & Partial<Creater> & Updater & { readonly strategy: RestStrategy }>(storage: S): S {
  const { info, strategy } = storage;
  const create = async (ctx: RequestContext, object: KubeObject) => {
    if (!storage.create) throw new Error(`${info.resource} has no create`);
    const prepared = structuredClone(object);
    applyCreateStrategy(info, strategy, prepared);
    return storage.create(ctx, prepared);
  };
  const update = (ctx: RequestContext, namespace: string | undefined, name: string, transform: UpdateTransform, sent?: SentObject) =>
    storage.update(ctx, namespace, name, async (live) => {
      const prepared = structuredClone(await transform(live));
      if (live) applyUpdateStrategy(info, strategy, prepared, live);
      else applyCreateStrategy(info, strategy, prepared);
      return prepared;
    }, sent);
  return new Proxy(storage, {
    get(target, key) {
      if (key === 'create') return storage.create ? create : undefined;
      if (key === 'update') return update;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
