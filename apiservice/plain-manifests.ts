// The plain manifests (apiservice/manifests/, a kustomize base) for users who do not use Helm, rendered from the
// chart so that the two never differ: `make manifests` writes them, and a test renders them again and compares.
// Rendering must be deterministic, so the serving certificate comes from cert-manager (a self-signed Issuer in
// the base; its CA is injected into the APIService) and the platform token from a Secret the user creates.
// Helm's own bookkeeping labels are left out: nothing here is managed by Helm.
// node dist/apiservice/plain-manifests.js --helm HELM [--out apiservice/manifests]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import yaml from 'js-yaml';
import { runCommand } from '../tools/cluster/control-plane.js';

export const CHART = resolve('apiservice/chart/vvp-apiserver');
export const MANIFESTS_DIR = resolve('apiservice/manifests');
export const RELEASE = 'vvp-apiserver';
export const NAMESPACE = 'vvp-system';
export const TOKEN_SECRET = 'vvp-apiserver-token';
// The record-signing key is the installer's own secret: a rendered manifest in git must not carry one.
const RECORD_KEY_SECRET = 'vvp-apiserver-record-key';
const ISSUER = `${RELEASE}-selfsigned`;

const HEADER = '# Rendered from apiservice/chart/vvp-apiserver by `make manifests`: do not edit, change the chart.\n';

interface Manifest { kind: string; metadata: { name: string; labels?: Record<string, string> } }

function dump(objects: unknown[]): string {
  return HEADER + objects.map((o) => `---\n${yaml.dump(o, { lineWidth: -1, noRefs: true })}`).join('');
}

/** File name → content of the kustomize base. */
export async function renderManifests(helm: string): Promise<Map<string, string>> {
  const res = await runCommand(helm, [
    'template', RELEASE, CHART, '--namespace', NAMESPACE,
    '--set', `vvp.existingSecret=${TOKEN_SECRET}`, '--set', `recordSigning.existingSecret=${RECORD_KEY_SECRET}`, '--set', 'tls.mode=certManager',
    '--set', `tls.certManager.issuerRef.name=${ISSUER}`, '--set', 'tls.certManager.issuerRef.kind=Issuer',
  ]);
  if (res.code !== 0) throw new Error(`helm template failed: ${res.stderr}`);
  const objects = (yaml.loadAll(res.stdout).filter(Boolean) as Manifest[]).map((o) => {
    const labels = { ...o.metadata.labels };
    delete labels['app.kubernetes.io/managed-by'];
    delete labels['helm.sh/chart'];
    return { ...o, metadata: { ...o.metadata, labels } };
  });
  const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } };
  const issuer = { apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: { name: ISSUER, namespace: NAMESPACE }, spec: { selfSigned: {} } };
  const kustomization = [
    HEADER.trimEnd(),
    `# Needs cert-manager (serving certificate), the Secret ${NAMESPACE}/${TOKEN_SECRET} with key \`token\` and the Secret`,
    `# ${NAMESPACE}/${RECORD_KEY_SECRET} with key \`keys\` (the record-signing key, 32+ random bytes; never committed here).`,
    '# Overlays patch the Deployment\'s args (--vvp-url, --vvp-namespaces, --instance-id); see docs/install.md, "Plain manifests".',
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    'resources:',
    '  - namespace.yaml',
    '  - cert-manager-issuer.yaml',
    '  - vvp-apiserver.yaml',
    '',
  ].join('\n');
  return new Map([
    ['kustomization.yaml', kustomization],
    ['namespace.yaml', dump([namespace])],
    ['cert-manager-issuer.yaml', dump([issuer])],
    ['vvp-apiserver.yaml', dump(objects)],
  ]);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { helm: { type: 'string' }, out: { type: 'string', default: MANIFESTS_DIR } } });
  if (!values.helm) throw new Error('--helm HELM (the built helm binary) is required');
  const files = await renderManifests(values.helm);
  mkdirSync(values.out, { recursive: true });
  for (const [name, content] of files) writeFileSync(join(values.out, name), content);
  console.log(`wrote ${[...files.keys()].join(', ')} to ${values.out}`);
}
