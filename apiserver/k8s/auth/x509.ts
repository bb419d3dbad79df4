// X.509 chain verification against one chosen set of roots. Node's TLS layer only says whether a peer certificate
// chains to *some* CA it was given; each authenticator must know which CA vouched for the certificate.

import { X509Certificate } from 'node:crypto';

const CLIENT_AUTH_EKU = '1.3.6.1.5.5.7.3.2';
const MAX_CHAIN_DEPTH = 6;

/** Splits a PEM bundle into certificates; a bad block is skipped (a half-rotated bundle must not disable the rest). */
export function parseCertificates(pemBundle: string | undefined): X509Certificate[] {
  if (!pemBundle) return [];
  const blocks = pemBundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const certs: X509Certificate[] = [];
  for (const block of blocks) {
    try {
      certs.push(new X509Certificate(block));
    } catch {
      // skipped, see above
    }
  }
  return certs;
}

/** Each certificate's validity in ms: validFrom/validTo format a string in native code on every read (issue 32). */
const validity = new WeakMap<X509Certificate, readonly [number, number]>();

function validAt(cert: X509Certificate, now: Date): boolean {
  let period = validity.get(cert);
  if (!period) validity.set(cert, (period = [new Date(cert.validFrom).getTime(), new Date(cert.validTo).getTime()]));
  return period[0] <= now.getTime() && now.getTime() <= period[1];
}

/** Signature checks already made, per certificate object (a connection's chain is parsed once and reused per request). */
const signatures = new WeakMap<X509Certificate, WeakMap<X509Certificate, boolean>>();

function signedBy(child: X509Certificate, parent: X509Certificate): boolean {
  let byParent = signatures.get(child);
  const known = byParent?.get(parent);
  if (known !== undefined) return known;
  let ok: boolean;
  try {
    ok = child.checkIssued(parent) && child.verify(parent.publicKey);
  } catch {
    ok = false;
  }
  if (!byParent) signatures.set(child, (byParent = new WeakMap()));
  byParent.set(parent, ok);
  return ok;
}

/**
 * Whether `leaf` (with the other certificates the peer presented as intermediates) chains to one of `roots`, every
 * certificate valid now, and the leaf usable for client authentication (as Go's x509.Verify with ExtKeyUsageClientAuth;
 * a certificate without the extension is usable for anything).
 */
export function verifyClientChain(leaf: X509Certificate, intermediates: X509Certificate[], roots: X509Certificate[], now = new Date()): boolean {
  if (roots.length === 0 || !validAt(leaf, now)) return false;
  const usages = leaf.keyUsage;
  if (usages && usages.length > 0 && !usages.includes(CLIENT_AUTH_EKU) && !usages.includes('2.5.29.37.0')) return false;
  let current = leaf;
  for (let depth = 0; depth < MAX_CHAIN_DEPTH; depth++) {
    if (roots.some((root) => validAt(root, now) && signedBy(current, root))) return true;
    const next = intermediates.find((c) => c !== current && c.ca && validAt(c, now) && signedBy(current, c));
    if (!next) return false;
    current = next;
  }
  return false;
}

/** The attribute values of a subject DN as Node prints it (`CN=alice\nO=dev\nO=ops`). */
export function subjectValues(cert: X509Certificate, attribute: 'CN' | 'O'): string[] {
  return cert.subject.split('\n').filter((line) => line.startsWith(`${attribute}=`)).map((line) => line.slice(attribute.length + 1));
}
