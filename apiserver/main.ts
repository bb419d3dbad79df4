// The server's entrypoint (the container's too): configuration → the three rooms wired together → HTTPS.
//   Kubernetes machinery (k8s/): serving, delegated auth, verbs, watch hub, events, leader election
//   VVP client (vvp/): the platform's REST API
//   VvpDeployment (vvpdeployment/): the storage mapping one onto the other
import { readFileSync } from 'node:fs';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { Histogram } from 'prom-client';
import { ConfigError, loadConfig, usage, type ServerConfig } from './config.js';
import { ApiMetrics, KeepAliveKubeConfig, createApiServer, kubeDelegatedAuth } from './k8s/index.js';
import { KubeEventRecorder, type InvolvedObject } from './k8s/event-recorder.js';
import type { KubeObject } from './k8s/types.js';
import { LeaderElector } from './k8s/leader-election.js';
import { VvpClient } from './vvp/index.js';
import { PlatformRouter, type VvpDeploymentStorageOptions } from './vvpdeployment/index.js';
import { FileToken } from './token-file.js';
import { backgroundLoop, replicaLoop } from './background.js';
import { secretTokenResolver } from './secret-token.js';

function involved(object: KubeObject): InvolvedObject {
  const { namespace = '', name = '', uid } = object.metadata;
  return { apiVersion: object.apiVersion, kind: object.kind, namespace, name, ...(uid ? { uid } : {}) };
}

function kubeConfigFor(config: ServerConfig): KubeConfig {
  const kc = new KeepAliveKubeConfig();
  if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
  else kc.loadFromCluster();
  return kc;
}

async function main(): Promise<void> {
  let config: ServerConfig | 'help';
  try {
    config = loadConfig(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${usage()}`);
    process.exit(2);
  }
  if (config === 'help') {
    console.log(usage());
    return;
  }
  const log = pino({ level: config.logLevel, redact: { paths: ['req.headers.authorization', '*.token', 'token'], censor: '[redacted]' } });
  const kubeConfig = kubeConfigFor(config);
  const metrics = new ApiMetrics({ processMetrics: true });
  const platformCalls = new Histogram({
    name: 'vvp_platform_request_duration_seconds',
    help: 'Ververica Platform API calls by platform instance, route template, method and HTTP status (0: no answer).',
    labelNames: ['instance', 'route', 'method', 'code'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [metrics.registry],
  });

  const events = new KubeEventRecorder(kubeConfig, 'vvp-apiserver', log.child({ room: 'events' }));
  const resolveToken = secretTokenResolver(kubeConfig.makeApiClient(CoreV1Api));
  const several = config.platforms.length > 1;
  const clients: VvpClient[] = [];
  const instances = config.platforms.map((p): VvpDeploymentStorageOptions => {
    const instanceLog = log.child({ instance: p.instanceId });
    const client = new VvpClient({
      baseUrl: p.url,
      token: p.tokenFile ? new FileToken(p.tokenFile, (message, fields) => instanceLog.warn(fields, message)) : p.token,
      timeoutMs: config.vvpTimeoutMs,
      ...(p.caFile ? { ca: readFileSync(p.caFile) } : {}),
      logger: instanceLog.child({ room: 'vvp' }),
      onCall: (call) => platformCalls.observe({ instance: p.instanceId, route: call.route, method: call.method, code: String(call.status) }, call.durationMs / 1000),
    });
    clients.push(client);
    return {
      client,
      instanceId: p.instanceId,
      platformNamespaces: p.namespaces,
      // Messages say "Ververica Platform at <this>": with several instances, which one.
      platformName: several || p.displayName ? `${p.url} (instance ${p.instanceId}${p.displayName ? `, ${p.displayName}` : ''})` : p.url,
      group: config.apiGroup,
      watch: {
        pollIntervalMs: config.pollIntervalMs,
        onPollError: (namespace, err) => instanceLog.warn({ platformNamespace: namespace, err: (err as Error).message }, 'watch poll failed'),
      },
      surroundingsMaxAgeMs: config.pollIntervalMs,
      listingReuseMs: 2 * config.pollIntervalMs,
      resolveToken,
      recordEvent: (object, event) => void events.record(involved(object), event),
      warn: (message, fields) => instanceLog.warn(fields ?? {}, message),
      // The main write and the savepoint POST of a nonce each take at most the platform timeout.
      pendingSavepointGraceMs: 2 * config.vvpTimeoutMs + 5_000,
    };
  });
  const storage = new PlatformRouter({ instances });

  const auth = await kubeDelegatedAuth(kubeConfig, log.child({ room: 'auth' }));
  const server = await createApiServer({
    serving: { certPem: readFileSync(config.tlsCertFile, 'utf8'), keyPem: readFileSync(config.tlsKeyFile, 'utf8') },
    storages: [storage],
    authenticator: auth.authenticator,
    authorizer: auth.authorizer,
    authenticationConfig: auth.authenticationConfig,
    logger: log,
    metrics,
  });

  const elector = new LeaderElector(kubeConfig, {
    namespace: config.leaseNamespace,
    name: config.leaseName,
    ...backgroundLoop([
      { name: 'finish-pending-work', intervalMs: config.pollIntervalMs, run: (signal) => storage.finishPendingWork(signal) },
      // Events may lag a few seconds; a full snapshot every poll interval would cost the platform more than watches do.
      { name: 'mirror-platform-events', intervalMs: Math.max(5_000, 5 * config.pollIntervalMs), run: (signal) => storage.mirrorPlatformEvents((object, event) => events.record(involved(object), event), signal) },
    ], log.child({ room: 'background' })),
  }, log.child({ room: 'lease' }));
  // What Kubernetes namespaces hold objects, for answering their lists while the platform is down; leader or not.
  const everyReplica = replicaLoop([
    { name: 'refresh-namespace-occupancy', intervalMs: 30_000, run: (signal) => storage.refreshOccupancy(signal, 30_000) },
  ], log.child({ room: 'background' }));

  await server.listen({ host: config.bindAddress, port: config.securePort });
  elector.start();
  everyReplica.start();
  log.info({ group: config.apiGroup, platforms: config.platforms.map((p) => ({ instanceId: p.instanceId, url: p.url, namespaces: p.namespaces })) }, 'serving');

  const shutdown = async (signal: string) => {
    log.info({ signal }, 'shutting down');
    everyReplica.stop();
    await elector.stop();
    auth.stop();
    storage.close();
    await server.close();
    for (const client of clients) client.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error(err);
  process.exit(1);
});
