// The Argo CD health check is shipped three times — the script, the argocd-cm form and docs/gitops.md — and all three
// must be the same script, or a user copies one that the e2e tests never ran; so must the Flux example.
import { readFileSync } from 'node:fs';
import t from 'tap';
import yaml from 'js-yaml';

const script = readFileSync('apiservice/argocd/health.lua', 'utf8');
const configMapText = readFileSync('apiservice/argocd/argocd-cm.yaml', 'utf8');

t.test('argocd-cm.yaml carries health.lua verbatim under the resource.customizations.health key', async (t) => {
  const cm = yaml.load(configMapText) as { kind: string; metadata: { name: string }; data: Record<string, string> };
  t.equal(cm.kind, 'ConfigMap');
  t.equal(cm.metadata.name, 'argocd-cm');
  t.equal(cm.data['resource.customizations.health.ververica.platform_VvpDeployment'], script);
});

t.test('docs/gitops.md shows that ConfigMap and the Flux Kustomization as they are', async (t) => {
  const guide = readFileSync('docs/gitops.md', 'utf8');
  t.ok(guide.includes(configMapText.trimEnd()), 'docs/gitops.md includes apiservice/argocd/argocd-cm.yaml');
  t.ok(guide.includes(readFileSync('apiservice/flux/kustomization.yaml', 'utf8').trimEnd()), 'docs/gitops.md includes apiservice/flux/kustomization.yaml');
});
