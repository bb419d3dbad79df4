// Certificates for the local control plane, the aggregated server and the APIService: a CA, serving
// certificates for <service>.<namespace>.svc, and client certificates (front-proxy, users). ECDSA P-256 keys.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
type Crypto = webcrypto.Crypto;
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const keyAlgorithm = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const signingAlgorithm = { name: 'ECDSA', hash: 'SHA-256' } as const;
const dayMs = 24 * 60 * 60 * 1000;

export interface PemPair {
  certPem: string;
  keyPem: string;
}

export interface Validity {
  /** Defaults to one minute ago (tolerates small clock skew). */
  notBefore?: Date;
  /** Defaults to notBefore + validDays. */
  notAfter?: Date;
  validDays?: number;
}

export interface ServingCertRequest extends Validity {
  commonName: string;
  dnsNames: string[];
  ipAddresses?: string[];
}

export interface ClientCertRequest extends Validity {
  /** The user name (kube-apiserver) or the front-proxy's allowed name. */
  commonName: string;
  /** Kubernetes groups. */
  organizations?: string[];
}

function validity(v: Validity): { notBefore: Date; notAfter: Date } {
  const notBefore = v.notBefore ?? new Date(Date.now() - 60_000);
  return { notBefore, notAfter: v.notAfter ?? new Date(notBefore.getTime() + (v.validDays ?? 365) * dayMs) };
}

async function generateKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(keyAlgorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function keyToPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

function distinguishedName(commonName: string, organizations: string[] = []): string {
  const escape = (s: string) => s.replace(/([,+"\\<>;=])/g, '\\$1');
  return [`CN=${escape(commonName)}`, ...organizations.map((o) => `O=${escape(o)}`)].join(', ');
}

function uniqueSerial(): string {
  // Positive, non-zero 16-byte serial: random so certificates made in the same run never collide.
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return Buffer.from(bytes).toString('hex');
}

export class CertificateAuthority implements PemPair {
  private constructor(
    readonly certPem: string,
    readonly keyPem: string,
    private readonly cert: x509.X509Certificate,
    private readonly keys: CryptoKeyPair,
  ) {}

  static async create(commonName: string, v: Validity = {}): Promise<CertificateAuthority> {
    const keys = await generateKeys();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: uniqueSerial(),
      name: distinguishedName(commonName),
      ...validity({ validDays: 3650, ...v }),
      keys,
      signingAlgorithm,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return new CertificateAuthority(cert.toString('pem'), await keyToPem(keys.privateKey), cert, keys);
  }

  /** Loads a CA written earlier (PKCS#8 ECDSA P-256 key), so a state directory can be reused. */
  static async load(pair: PemPair): Promise<CertificateAuthority> {
    const cert = new x509.X509Certificate(pair.certPem);
    const der = x509.PemConverter.decode(pair.keyPem)[0];
    if (!der) throw new Error('CA key PEM holds no key');
    const privateKey = await webcrypto.subtle.importKey('pkcs8', der, keyAlgorithm, true, ['sign']);
    const publicKey = await cert.publicKey.export(keyAlgorithm, ['verify'], webcrypto as unknown as Crypto);
    return new CertificateAuthority(pair.certPem, pair.keyPem, cert, { privateKey, publicKey });
  }

  async issueServing(req: ServingCertRequest): Promise<PemPair> {
    const names = [
      ...req.dnsNames.map((value) => ({ type: 'dns' as const, value })),
      ...(req.ipAddresses ?? []).map((value) => {
        if (!isIP(value)) throw new Error(`not an IP address: ${value}`);
        return { type: 'ip' as const, value };
      }),
    ];
    return this.issue(distinguishedName(req.commonName), req, [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
    ]);
  }

  async issueClient(req: ClientCertRequest): Promise<PemPair> {
    return this.issue(distinguishedName(req.commonName, req.organizations), req, [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
    ]);
  }

  private async issue(subject: string, v: Validity, extensions: x509.Extension[]): Promise<PemPair> {
    const keys = await generateKeys();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: uniqueSerial(),
      subject,
      issuer: this.cert.subject,
      ...validity(v),
      publicKey: keys.publicKey,
      signingKey: this.keys.privateKey,
      signingAlgorithm,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        ...extensions,
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        await x509.AuthorityKeyIdentifierExtension.create(this.cert),
      ],
    });
    return { certPem: cert.toString('pem'), keyPem: await keyToPem(keys.privateKey) };
  }
}

/** The DNS names a Service answers to inside a cluster; kube-apiserver's aggregator verifies `<service>.<namespace>.svc`. */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}

/** A fresh ECDSA key pair as PEM (PKCS#8 private, SPKI public), e.g. for service-account token signing. */
export async function createSigningKeyPair(): Promise<{ privateKeyPem: string; publicKeyPem: string }> {
  const keys = await generateKeys();
  const spki = await webcrypto.subtle.exportKey('spki', keys.publicKey);
  return { privateKeyPem: await keyToPem(keys.privateKey), publicKeyPem: x509.PemConverter.encode(spki, 'PUBLIC KEY') };
}
