import https from 'node:https';
import { HttpMethod, RequestContext } from '@kubernetes/client-node';
import t from 'tap';
import { CertificateAuthority } from '../../../certs/pki.js';
import { KeepAliveKubeConfig } from '../../../apiserver/k8s/cluster/kube-config.js';

async function kubeConfig(): Promise<KeepAliveKubeConfig> {
  const ca = await CertificateAuthority.create('test-ca');
  const kc = new KeepAliveKubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', caData: Buffer.from(ca.certPem).toString('base64'), skipTLSVerify: false }],
    users: [{ name: 'u', token: 'secret-token' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

t.test('every API call gets the same keep-alive agent (client-node makes a new one per call)', async (t) => {
  const kc = await kubeConfig();
  const first = new RequestContext('https://127.0.0.1:6443/api', HttpMethod.GET);
  const second = new RequestContext('https://127.0.0.1:6443/apis', HttpMethod.POST);
  await kc.applySecurityAuthentication(first);
  await kc.applySecurityAuthentication(second);
  const agent = first.getAgent() as https.Agent;
  t.ok(agent instanceof https.Agent);
  t.equal(second.getAgent(), agent, 'one agent, so one pool of TLS connections');
  t.equal((agent.options as { keepAlive?: boolean }).keepAlive, true);
  t.ok((agent.options as https.AgentOptions).ca, 'with the cluster CA');
  t.equal(second.getHeaders().Authorization, 'Bearer secret-token', 'credentials stay per request');

  const options: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  t.equal(options.agent, agent, 'raw requests (Leases) share it too');
});
