// The Kubernetes record on a platform deployment is trusted only when this server signed it for that very deployment
// (record-signature.ts): what the platform side can change, and what it cannot make verify.
import t from 'tap';
import { ANNOTATION, encodeKubeParts, type KubeParts } from '../../../apiserver/vvpdeployment/trust/annotations.js';
import { RecordSigner, SIGNATURE_ANNOTATION, bindLegacyRecords, migratable, migrateUnsignedRecords, signingClient } from '../../../apiserver/vvpdeployment/trust/record-signature.js';
import type { PlatformPort } from '../../../apiserver/vvpdeployment/instance/platform-port.js';
import type { Deployment, DeploymentWrite } from '../../../apiserver/vvp/types.js';

const key = Buffer.from('k'.repeat(48));
const signer = new RecordSigner([key], 'op-1');
const ID = '6a0f3b1e-2c4d-4e5f-8a9b-0c1d2e3f4a5b';
const OTHER_ID = '7b1f3b1e-2c4d-4e5f-8a9b-0c1d2e3f4a5b';

function parts(namespace = 'team-a', pname = 'speeds'): KubeParts {
  return {
    namespace, name: 'speeds', generation: 1, creationTimestamp: '2026-12-01T00:00:00Z',
    spec: { syncingMode: 'PATCH', deployment: { metadata: { namespace: 'default', name: pname }, spec: {} } },
  };
}

/** A platform deployment as this server would have written it (signed unless told). */
function deployment(p = parts(), signed = true, at: [string, string] = ['default', 'speeds']): Deployment {
  const { labels, annotations } = encodeKubeParts(p, 'op-1');
  const body = signed ? signer.signWrite(at[0], at[1], ID, { metadata: { annotations } }) : { metadata: { annotations } };
  return { metadata: { id: ID, namespace: at[0], name: at[1], labels, annotations: body.metadata?.annotations as Record<string, string>, resourceVersion: 3 }, spec: {} } as unknown as Deployment;
}

t.test('a record this server signed verifies; unsigned is told apart from forged', async (t) => {
  t.equal(signer.verify(deployment()), 'valid');
  t.equal(signer.verify(deployment(parts(), false)), 'unsigned');
});

t.test('every change the platform side can make to the record breaks it', async (t) => {
  const forge = (change: (d: Deployment) => void) => {
    const d = deployment();
    change(d);
    return signer.verify(d);
  };
  t.equal(forge((d) => { d.metadata.annotations![ANNOTATION.namespace] = 'kube-system'; }), 'invalid', 'moved to another namespace');
  t.equal(forge((d) => { d.metadata.labels![`k8s.ververica.platform/namespace`] = 'kube-system'; }), 'invalid', 'listed under another namespace');
  t.equal(forge((d) => { d.metadata.annotations![ANNOTATION.deletion] = JSON.stringify({ timestamp: '2030-01-01T00:00:00Z', policy: 'Cancel' }); }), 'invalid', 'a deletion mark');
  t.equal(forge((d) => { d.metadata.annotations![ANNOTATION.annotations] = JSON.stringify({ apikeySecretName: 'probe' }); }), 'invalid', 'a Secret to read');
  t.equal(forge((d) => { d.metadata.annotations![ANNOTATION.savepointNonce] = JSON.stringify({ nonce: 9, outcome: 'Triggered', at: 'x' }); }), 'invalid', 'a pending nonce');
  t.equal(forge((d) => { delete d.metadata.annotations![ANNOTATION.finalizers]; }), 'invalid', 'a part removed');
  t.equal(forge((d) => { d.metadata.annotations![SIGNATURE_ANNOTATION] = 'v1.00000000.AAAA'; }), 'invalid', 'a signature of an unknown key');
  t.equal(forge((d) => { d.metadata.annotations!['user-note'] = 'x'; d.spec = { state: 'RUNNING' } as Deployment['spec']; }), 'valid', 'other annotations and the spec are not the record');
});

t.test('a signed record copied onto another deployment does not verify there', async (t) => {
  const original = deployment();
  const copy = deployment(parts(), false, ['default', 'other']);
  copy.metadata.annotations = { ...original.metadata.annotations };
  t.equal(signer.verify(copy), 'invalid');
  const elsewhere = { ...original, metadata: { ...original.metadata, namespace: 'team-b' } };
  t.equal(signer.verify(elsewhere), 'invalid', 'nor in another platform namespace');
  t.equal(new RecordSigner([key], 'op-2').verify(original), 'invalid', 'nor for another instance');
});

t.test('rotation: the first key signs, every key verifies', async (t) => {
  const next = Buffer.from('n'.repeat(48));
  const rotated = new RecordSigner([next, key], 'op-1');
  t.equal(rotated.verify(deployment()), 'valid', 'records signed with the old key still verify');
  const d = deployment(parts(), false);
  d.metadata.annotations = rotated.signWrite('default', 'speeds', ID, { metadata: { annotations: d.metadata.annotations } }).metadata?.annotations as Record<string, string>;
  t.equal(new RecordSigner([next], 'op-1').verify(d), 'valid', 'new writes need only the new key');
  t.equal(signer.verify(d), 'invalid', 'and the old key alone no longer verifies them');
  t.throws(() => new RecordSigner([Buffer.from('short')], 'op-1'), /at least 32 bytes/);
});

t.test('a release removes the signature with the record; writes without a record are left alone', async (t) => {
  const released = signer.signWrite('default', 'speeds', ID, { metadata: { annotations: { [ANNOTATION.namespace]: null } as unknown as Record<string, string> } });
  t.equal((released.metadata?.annotations as Record<string, unknown>)[SIGNATURE_ANNOTATION], null);
  const plain = { spec: { state: 'CANCELLED' as const } };
  t.equal(signer.signWrite('default', 'speeds', ID, plain), plain);
});

t.test('the one-time migration signs only unsigned records consistent with their labels and identity', async (t) => {
  t.ok(migratable(deployment(parts(), false), 'op-1', signer), 'an older record');
  t.notOk(migratable(deployment(), 'op-1', signer), 'already signed');
  t.notOk(migratable(deployment(parts(), false), 'op-2', signer), 'another instance\'s mark');
  const moved = deployment(parts(), false);
  moved.metadata.annotations![ANNOTATION.namespace] = 'kube-system';
  t.notOk(migratable(moved, 'op-1', signer), 'annotations disagreeing with the selection labels');
  t.notOk(migratable(deployment(parts('team-a', 'elsewhere'), false), 'op-1', signer), 'a record naming another platform deployment');
});

t.test('the migration pass signs each migratable record by id, naming the deployment in the body, conditional on its version', async (t) => {
  const older = deployment(parts(), false);
  const patched: { id: string; body: DeploymentWrite }[] = [];
  const client = {
    listDeployments: async () => ({ items: [older, deployment(), deployment(parts('team-a', 'elsewhere'), false)] }),
    patchDeployment: async (_ns: string, id: string, body: DeploymentWrite) => { patched.push({ id, body }); return {} as Deployment; },
  } as unknown as PlatformPort;
  t.equal(await migrateUnsignedRecords(client, signer, ['default'], 'op-1', new AbortController().signal), 1, 'only the unsigned, consistent record');
  t.equal(patched[0]!.id, ID, 'addressed by id');
  t.match(patched[0]!.body.metadata, { name: 'speeds', resourceVersion: 3 }, 'the body names the deployment (the by-id write rule reads it) and its version');
  const signed = { ...older, metadata: { ...older.metadata, annotations: { ...older.metadata.annotations, ...(patched[0]!.body.metadata?.annotations as Record<string, string>) } } };
  t.equal(signer.verify(signed), 'valid', 'the record now verifies, bound to its id');
});

t.test('a write addressed by id signs the record for the deployment name its body carries', async (t) => {
  const sent: { name: string; body: DeploymentWrite }[] = [];
  const client = { patchDeployment: async (_ns: string, name: string, body: DeploymentWrite) => { sent.push({ name, body }); return {} as Deployment; } } as unknown as PlatformPort;
  const { annotations } = encodeKubeParts(parts(), 'op-1');
  await signingClient(client, signer).patchDeployment('default', ID, { metadata: { name: 'speeds', annotations } });
  const written = deployment(parts(), false);
  written.metadata.annotations = sent[0]!.body.metadata?.annotations as Record<string, string>;
  t.equal(sent[0]!.name, ID, 'still addressed by id');
  t.equal(signer.verify(written), 'valid', 'and the record verifies on the deployment of that name');
});

t.test('the signature is bound to the deployment id: a record copied onto a new deployment of the same name does not verify', async (t) => {
  const original = deployment();
  const successor = { ...original, metadata: { ...original.metadata, id: OTHER_ID } };
  t.equal(signer.verify(successor), 'invalid', 'same namespace, name, instance and record, another id');
});

t.test('a create POST carries a pending signature, never trusted, until the write by id binds it', async (t) => {
  const sent: DeploymentWrite[] = [];
  const client = {
    createDeployment: async (_ns: string, body: DeploymentWrite) => { sent.push(body); return {} as Deployment; },
    patchDeployment: async (_ns: string, _id: string, body: DeploymentWrite) => { sent.push(body); return {} as Deployment; },
  } as unknown as PlatformPort;
  const { annotations } = encodeKubeParts(parts(), 'op-1');
  const signing = signingClient(client, signer);
  await signing.createDeployment('default', { metadata: { name: 'speeds', annotations } });
  const posted = deployment(parts(), false);
  posted.metadata.annotations = sent[0]!.metadata?.annotations as Record<string, string>;
  t.equal(signer.verify(posted), 'pending', 'the POST: pending');
  await signing.patchDeployment('default', ID, { metadata: { name: 'speeds', annotations } });
  posted.metadata.annotations = sent[1]!.metadata?.annotations as Record<string, string>;
  t.equal(signer.verify(posted), 'valid', 'the write by id: bound');
  t.throws(() => signer.signWrite('default', '', ID, { metadata: { annotations } }), /must name its deployment/, 'a record written by id without its name is a programming error');
});

t.test('v1 records (not bound to an id) verify until retired; the leader binds them first', async (t) => {
  const legacySigner = new RecordSigner([key], 'op-1');
  const v1 = deployment(parts(), false);
  // A v1 signature as the previous version wrote it.
  const { createHmac } = await import('node:crypto');
  const a = v1.metadata.annotations!;
  const record = Object.values(ANNOTATION).map((k) => [k, a[k] ?? null]);
  const keyId = (await import('node:crypto')).createHash('sha256').update(key).digest('hex').slice(0, 8);
  a[SIGNATURE_ANNOTATION] = `v1.${keyId}.${createHmac('sha256', key).update(JSON.stringify(['vvp-apiserver record v1', 'op-1', 'default', 'speeds', record])).digest('base64url')}`;
  t.equal(legacySigner.verify(v1), 'valid', 'before retirement');
  t.ok(legacySigner.isLegacy(v1), 'and is bound by the leader\'s pass');
  const patched: DeploymentWrite[] = [];
  const client = {
    listDeployments: async () => ({ items: [v1, deployment()] }),
    patchDeployment: async (_ns: string, id: string, body: DeploymentWrite) => { patched.push(body); t.equal(id, ID, 'addressed by id'); return {} as Deployment; },
  } as unknown as PlatformPort;
  t.equal(await bindLegacyRecords(client, legacySigner, ['default'], 'op-1', new AbortController().signal), 1, 'only the v1 record is bound');
  t.match(patched[0]!.metadata, { name: 'speeds', resourceVersion: 3 }, 'the body names the deployment and its version');
  const bound = { ...v1, metadata: { ...v1.metadata, annotations: { ...a, ...(patched[0]!.metadata?.annotations as Record<string, string>) } } };
  legacySigner.retireLegacy();
  t.equal(legacySigner.verify(v1), 'invalid', 'after retirement a v1 record no longer verifies');
  t.equal(legacySigner.verify(bound), 'valid', 'the bound one does');
});
