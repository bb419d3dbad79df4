// Prometheus metrics of the machinery (requests by verb/resource/code, latency, open watches) on a prom-client
// Registry that other parts of the server register their own metrics with (e.g. backend calls by route/code/latency).

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class ApiMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'verb' | 'group' | 'resource' | 'code'>;
  readonly requestDuration: Histogram<'verb' | 'group' | 'resource'>;
  readonly openWatches: Gauge<'group' | 'resource'>;

  constructor(options: { registry?: Registry; processMetrics?: boolean } = {}) {
    this.registry = options.registry ?? new Registry();
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'apiserver_request_total',
      help: 'Counter of apiserver requests broken out for each verb, group, resource and HTTP response code.',
      labelNames: ['verb', 'group', 'resource', 'code'],
      registers: [this.registry],
    });
    this.requestDuration = new Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'Response latency distribution in seconds for each verb, group and resource (watches excluded).',
      labelNames: ['verb', 'group', 'resource'],
      buckets: [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60],
      registers: [this.registry],
    });
    this.openWatches = new Gauge({
      name: 'apiserver_longrunning_requests',
      help: 'Number of open watch requests, by group and resource.',
      labelNames: ['group', 'resource'],
      registers: [this.registry],
    });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
