// How the cluster-scoped platform items are named: `<scope>.<platform name>`, the scope being the router's child
// scope (`<platform namespace>`, or `<instance>/<platform namespace>` with several instances) with its `/` written
// `.`. Platform namespaces and item names are DNS labels (no `.`), so the last segment is the item's platform name
// and the rest names exactly one scope. Pure.

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Where an item lives: its child scope, platform namespace, instance (with several) and platform name. */
export interface Place {
  scope: string;
  platformNamespace: string;
  instance?: string;
  platformName: string;
  /** The Kubernetes name: `<scope with / as .>.<platform name>`. */
  name: string;
}

/** The Kubernetes name of a platform item of a child scope. Pure. */
export function catalogObjectName(scope: string, platformName: string): string {
  return `${scope.replace('/', '.')}.${platformName}`;
}

/** The place a Kubernetes name stands for among the served scopes; undefined when it names none. Pure. */
export function placeOf(name: string, scopes: readonly string[]): Place | undefined {
  const dot = name.lastIndexOf('.');
  const platformName = name.slice(dot + 1);
  if (dot < 0 || !DNS_LABEL.test(platformName)) return undefined;
  const scope = scopes.find((s) => s.replace('/', '.') === name.slice(0, dot));
  if (scope === undefined) return undefined;
  const slash = scope.indexOf('/');
  const place: Place = { scope, platformNamespace: scope.slice(slash + 1), platformName, name };
  if (slash >= 0) place.instance = scope.slice(0, slash);
  return place;
}

