// The plain manifests (apiservice/manifests/, a kustomize base) installed as a user without Helm does: Secrets created
// by hand, then `kubectl apply -k` of an overlay like examples/gitops (platform URL and instance id patched, with
// JSON-patch `test`s), plus the image. The base gets its serving certificate from cert-manager; no cert-manager runs on
// the test node (its images cannot be pulled), so the overlay does cert-manager's two jobs the way a user without it
// would: it drops the Issuer and the Certificate, the serving pair is a Secret made from a CA of our own, and that CA
// is the APIService's caBundle (instead of the `cert-manager.io/inject-ca-from` annotation).
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CertificateAuthority, serviceDnsNames } from '../../certs/pki.js';

export interface PlainManifestsInstall {
  /** The overlay directory, for `kubectl apply -k`. */
  overlay: string;
  /** The Secrets the base expects the user to create, as one kubectl-appliable List. */
  secrets: object;
}

const name = 'vvp-apiserver';
const namespace = 'vvp-system';

/** Writes the overlay into dir; base is apiservice/manifests. Image is `repository:tag`, already on the node. */
export async function writePlainManifestsOverlay(opts: { dir: string; base: string; image: string; vvpUrl: string; vvpToken: string; instanceId: string }): Promise<PlainManifestsInstall> {
  const ca = await CertificateAuthority.create(`${name}-ca`);
  const serving = await ca.issueServing({ commonName: `${name}.${namespace}.svc`, dnsNames: serviceDnsNames(name, namespace) });
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const secret = (secretName: string, data: Record<string, string>, type = 'Opaque') => ({
    apiVersion: 'v1', kind: 'Secret', type, metadata: { name: secretName, namespace }, data,
  });
  const secrets = {
    apiVersion: 'v1', kind: 'List', items: [
      secret(`${name}-tls`, { 'tls.crt': b64(serving.certPem), 'tls.key': b64(serving.keyPem) }, 'kubernetes.io/tls'),
      secret(`${name}-token`, { token: b64(opts.vvpToken) }),
      secret(`${name}-record-key`, { keys: b64(randomBytes(32).toString('hex')) }),
    ],
  };
  const args = '/spec/template/spec/containers/0/args';
  const [repository, tag] = [opts.image.slice(0, opts.image.lastIndexOf(':')), opts.image.slice(opts.image.lastIndexOf(':') + 1)];
  const drop = (kind: string, objectName: string) => ({
    patch: JSON.stringify({ $patch: 'delete', apiVersion: 'cert-manager.io/v1', kind, metadata: { name: objectName, namespace } }),
  });
  // YAML is a superset of JSON: the kustomization is written as JSON.
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [relative(opts.dir, opts.base)],
    images: [{ name: 'ghcr.io/example/vvp-apiserver', newName: repository, newTag: tag }],
    patches: [
      drop('Issuer', `${name}-selfsigned`),
      drop('Certificate', name),
      {
        target: { kind: 'Deployment', name },
        patch: JSON.stringify([
          { op: 'test', path: `${args}/4`, value: `--instance-id=${name}` },
          { op: 'replace', path: `${args}/4`, value: `--instance-id=${opts.instanceId}` },
          { op: 'test', path: `${args}/5`, value: '--vvp-url=http://vvp-ververica-platform.vvp.svc' },
          { op: 'replace', path: `${args}/5`, value: `--vvp-url=${opts.vvpUrl}` },
          // The image is imported into the node's containerd; no registry to pull from.
          { op: 'replace', path: '/spec/template/spec/containers/0/imagePullPolicy', value: 'Never' },
        ]),
      },
      {
        target: { kind: 'APIService', name: 'v1.ververica.platform' },
        patch: JSON.stringify([
          { op: 'remove', path: '/metadata/annotations/cert-manager.io~1inject-ca-from' },
          { op: 'add', path: '/spec/caBundle', value: b64(ca.certPem) },
        ]),
      },
    ],
  };
  mkdirSync(opts.dir, { recursive: true });
  writeFileSync(join(opts.dir, 'kustomization.yaml'), JSON.stringify(kustomization, null, 2));
  return { overlay: opts.dir, secrets };
}
