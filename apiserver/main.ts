// The server's entrypoint (the container's too): configuration → the three rooms wired together → HTTPS.
//   Kubernetes machinery (k8s/): serving, delegated auth, verbs, watch hub, events, leader election
//   VVP client (vvp/): the platform's REST API
//   VvpDeployment (vvpdeployment/): the storage mapping one onto the other
import { readFileSync } from 'node:fs';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { Counter, Gauge, Histogram } from 'prom-client';
import { ConfigError, loadConfig, usage, type ServerConfig } from './config.js';
import {
  ApiMetrics, KeepAliveKubeConfig, KubeEventRecorder, LeaderElector, clusterAdmission, clusterFlowControl, createApiServer, currentRequestFlow, kubeDelegatedAuth,
  type InvolvedObject, type KubeObject,
} from './k8s/index.js';
import { VvpClient } from './vvp/index.js';
import { VvpDeploymentStorage, RecordSigner, bindLegacyRecords, migrateUnsignedRecords, type VvpDeploymentStorageOptions } from './vvpdeployment/index.js';
import {
  VvpDeploymentTargetStorage, VvpJobStorage, VvpSavepointStorage, VvpSessionClusterStorage, type CatalogOptions, type ChildOptions,
} from './platform-resources/index.js';
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

  const platformBytes = new Counter({
    name: 'vvp_platform_response_bytes_total',
    help: 'Bytes of Ververica Platform API answers received, by platform instance and route template.',
    labelNames: ['instance', 'route'],
    registers: [metrics.registry],
  });
  const pollInterval = new Gauge({
    name: 'vvp_watch_poll_interval_seconds',
    help: 'The interval of the watch poll of a platform namespace, as the bytes budget (--poll-bytes-budget) sets it.',
    labelNames: ['instance', 'namespace'],
    registers: [metrics.registry],
  });
  const pollListingBytes = new Gauge({
    name: 'vvp_watch_poll_listing_bytes',
    help: 'Bytes of the last full deployments listing of a platform namespace.',
    labelNames: ['instance', 'namespace'],
    registers: [metrics.registry],
  });
  const untrustedRecords = new Counter({
    name: 'vvp_untrusted_records_total',
    help: 'Platform deployment versions marked as managed whose Kubernetes record does not verify (unsigned or invalid): ignored.',
    labelNames: ['instance', 'verdict'],
    registers: [metrics.registry],
  });
  const platformCallSlots = new Gauge({
    name: 'vvp_platform_calls_in_flight',
    help: 'Platform calls running (state=running, at most --vvp-max-concurrent-calls) and waiting for a slot (state=waiting), per instance.',
    labelNames: ['instance', 'state'],
    registers: [metrics.registry],
  });
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const events = new KubeEventRecorder(kubeConfig, 'vvp-apiserver', log.child({ room: 'events' }));
  const resolveToken = secretTokenResolver(core);
  const several = config.platforms.length > 1;
  const platforms = config.platforms.map((p, index) => {
    const instanceLog = log.child({ instance: p.instanceId });
    const client = new VvpClient({
      baseUrl: p.url,
      token: p.tokenFile ? new FileToken(p.tokenFile, (message, fields) => instanceLog.warn(fields, message)) : p.token,
      timeoutMs: config.vvpTimeoutMs,
      maxConcurrentCalls: config.vvpMaxConcurrentCalls,
      flowOf: currentRequestFlow,
      onCallSlots: (running, waiting) => {
        platformCallSlots.set({ instance: p.instanceId, state: 'running' }, running);
        platformCallSlots.set({ instance: p.instanceId, state: 'waiting' }, waiting);
      },
      ...(p.caFile ? { ca: readFileSync(p.caFile) } : {}),
      logger: instanceLog.child({ room: 'vvp' }),
      onCall: (call) => {
        platformCalls.observe({ instance: p.instanceId, route: call.route, method: call.method, code: String(call.status) }, call.durationMs / 1000);
        platformBytes.inc({ instance: p.instanceId, route: call.route }, call.bytes);
      },
    });
    const signer = RecordSigner.fromFile(config.recordKeyFile, p.instanceId);
    const options: VvpDeploymentStorageOptions = {
      client,
      instanceId: p.instanceId,
      platformNamespaces: p.namespaces,
      // How messages users read name the platform (never its URL): with several instances, which one.
      platformName: several ? `${p.displayName ?? 'Ververica Platform'} (instance ${p.instanceId})` : p.displayName ?? 'Ververica Platform',
      group: config.apiGroup,
      watch: {
        pollIntervalMs: config.pollIntervalMs,
        pollBytesBudget: config.pollBytesBudget,
        onPollInterval: (namespace, ms, bytes) => {
          pollInterval.set({ instance: p.instanceId, namespace }, ms / 1000);
          pollListingBytes.set({ instance: p.instanceId, namespace }, bytes);
        },
        onPollError: (namespace, err) => instanceLog.warn({ platformNamespace: namespace, err: (err as Error).message }, 'watch poll failed'),
      },
      surroundingsMaxAgeMs: config.pollIntervalMs,
      listingReuseMs: 2 * config.pollIntervalMs,
      resolveToken,
      recordEvent: (object, event) => void events.record(involved(object), event),
      warn: (message, fields) => instanceLog.warn(fields ?? {}, message),
      // The main write and the savepoint POST of a nonce each take at most the platform timeout.
      pendingSavepointGraceMs: 2 * config.vvpTimeoutMs + 5_000,
      grantEveryone: config.platformGrants === 'everyone',
      // Grants name the instance when there are several; the first keeps its short names (README "Tenancy").
      ...(several ? { grantNames: { instanceId: p.instanceId, shortFormsToo: index === 0 } } : {}),
      recordSigner: signer,
      onUntrustedRecord: (_deployment, verdict) => untrustedRecords.inc({ instance: p.instanceId, verdict }),
      adoptFrom: (p.adoptFrom ?? []).map((a) => {
        const token = new FileToken(a.tokenFile, (message, fields) => instanceLog.warn(fields, message));
        const { tokenFile: _file, ...rest } = a;
        return { ...rest, token: () => token.current() };
      }),
    };
    return { config: p, client, signer, options };
  });
  const clients = platforms.map((p) => p.client);
  const storage = new VvpDeploymentStorage({ instances: platforms.map((p) => p.options) });

  // Savepoints and jobs of the managed deployments; each kind polls the platform only while someone watches it.
  const children: ChildOptions = {
    owners: storage,
    platformNamespaces: storage.childScopes(),
    group: config.apiGroup,
    watch: { pollIntervalMs: config.pollIntervalMs, onPollError: (namespace, err) => log.warn({ platformNamespace: namespace, err: (err as Error).message }, 'watch poll failed') },
  };
  const savepoints = new VvpSavepointStorage(children);
  const jobs = new VvpJobStorage(children);
  // Deployment targets and session clusters, cluster-scoped; each kind polls the platform only while someone watches it.
  const catalog: CatalogOptions = { platforms: storage, group: children.group, watch: children.watch };
  const deploymentTargets = new VvpDeploymentTargetStorage({ ...catalog, writes: config.deploymentTargetWrites });
  const sessionClusters = new VvpSessionClusterStorage(catalog);
  // Once per installation (a ConfigMap beside the Lease says it is done): the records of an older version are signed.
  // An administrator deletes the ConfigMap to have checked unsigned records signed again (README "Tenancy").
  const migrateRecordsOnce = async (signal: AbortSignal) => {
    const marker = { namespace: config.leaseNamespace, name: config.recordMigrationMarker };
    try {
      await core.readNamespacedConfigMap(marker);
      return;
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
    }
    let signed = 0;
    for (const p of platforms) signed += await migrateUnsignedRecords(p.client, p.signer, p.config.namespaces, p.config.instanceId, signal);
    try {
      await core.createNamespacedConfigMap({ namespace: marker.namespace, body: { metadata: { name: marker.name }, data: { signedRecords: String(signed), at: new Date().toISOString() } } });
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
    }
    log.info({ signed }, 'signed the unsigned Kubernetes records consistent with their labels; not done again while the marker ConfigMap exists');
  };

  // After an upgrade from records not bound to their deployment id (v1): the leader signs them again bound to it, once
  // (the ConfigMap `<marker>-id-bound` says it is done); every replica then stops accepting v1 (docs/tenancy.md).
  const boundMarker = { namespace: config.leaseNamespace, name: `${config.recordMigrationMarker}-id-bound` };
  const markerExists = async () => {
    try {
      await core.readNamespacedConfigMap(boundMarker);
      return true;
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
      return false;
    }
  };
  const retireLegacySignatures = async () => {
    if (await markerExists()) for (const p of platforms) p.signer.retireLegacy();
  };
  const bindRecordsOnce = async (signal: AbortSignal) => {
    if (await markerExists()) return retireLegacySignatures();
    let bound = 0;
    for (const p of platforms) bound += await bindLegacyRecords(p.client, p.signer, p.config.namespaces, p.config.instanceId, signal);
    try {
      await core.createNamespacedConfigMap({ namespace: boundMarker.namespace, body: { metadata: { name: boundMarker.name }, data: { boundRecords: String(bound), at: new Date().toISOString() } } });
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
    }
    log.info({ bound }, 'bound the Kubernetes records signed without their deployment id to it; records signed so are no longer accepted');
    await retireLegacySignatures();
  };

  const auth = await kubeDelegatedAuth(kubeConfig, log.child({ room: 'auth' }));
  // The cluster's admission: NamespaceLifecycle, then kube-apiserver's own plugins in the kube-admission helper.
  const admission = clusterAdmission(kubeConfig, log.child({ room: 'admission' }), metrics.registry,
    { binary: config.admissionHelper, ...(config.kubeconfig ? { kubeconfig: config.kubeconfig } : {}) });
  admission.start();
  // The cluster's FlowSchemas and priority levels, applied at this server's own seats (0: no flow control).
  const flowControl = config.flowControlSeats > 0
    ? clusterFlowControl(kubeConfig, log.child({ room: 'flowcontrol' }), metrics.registry, config.flowControlSeats) : undefined;
  flowControl?.start();
  const server = await createApiServer({
    serving: { certPem: readFileSync(config.tlsCertFile, 'utf8'), keyPem: readFileSync(config.tlsKeyFile, 'utf8') },
    storages: [storage, savepoints, jobs, deploymentTargets, sessionClusters],
    authenticator: auth.authenticator,
    authorizer: auth.authorizer,
    authenticationConfig: auth.authenticationConfig,
    admission: admission.admission,
    ready: () => admission.ready(),
    serverTiming: config.serverTiming,
    logger: log,
    metrics,
    requestTimeoutMs: config.requestTimeoutMs,
    ...(flowControl ? { flowControl } : {}),
  });

  const elector = new LeaderElector(kubeConfig, {
    namespace: config.leaseNamespace,
    name: config.leaseName,
    ...backgroundLoop([
      { name: 'sign-older-records-once', intervalMs: Math.max(10_000, config.pollIntervalMs), run: (signal) => migrateRecordsOnce(signal) },
      { name: 'bind-records-to-ids-once', intervalMs: Math.max(10_000, config.pollIntervalMs), run: (signal) => bindRecordsOnce(signal) },
      { name: 'finish-pending-work', intervalMs: config.pollIntervalMs, run: (signal) => storage.finishPendingWork(signal) },
      // Events may lag a few seconds; a full snapshot every poll interval would cost the platform more than watches do.
      { name: 'mirror-platform-events', intervalMs: Math.max(5_000, 5 * config.pollIntervalMs), run: (signal) => storage.mirrorPlatformEvents((object, event) => events.record(involved(object), event), signal) },
    ], log.child({ room: 'background' })),
  }, log.child({ room: 'lease' }));
  // What Kubernetes namespaces hold objects, for answering their lists while the platform is down; leader or not.
  const everyReplica = replicaLoop([
    { name: 'refresh-namespace-occupancy', intervalMs: 30_000, run: (signal) => storage.refreshOccupancy(signal, 30_000) },
    { name: 'retire-unbound-record-signatures', intervalMs: 30_000, run: () => retireLegacySignatures() },
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
    admission.stop();
    flowControl?.stop();
    storage.close();
    savepoints.close();
    jobs.close();
    deploymentTargets.close();
    sessionClusters.close();
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
