// Admission metrics under kube-apiserver's names (apiserver_admission_*), registered on the server's prom-client
// registry: the admission steps, and each plugin (NamespaceLifecycle, and the kube-admission helper as one plugin,
// `KubeAdmission`). Label values are plugin names and operations — never chosen by requests.

import { Histogram, type Registry } from 'prom-client';

const BUCKETS = [0.005, 0.025, 0.1, 0.5, 1, 2.5, 10, 25];

export class AdmissionMetrics {
  private readonly step: Histogram<'operation' | 'type' | 'rejected'>;
  private readonly plugin: Histogram<'name' | 'operation' | 'type' | 'rejected'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.step = new Histogram({
      name: 'apiserver_admission_step_admission_duration_seconds',
      help: 'Admission sub-step latency in seconds, by operation, type (admit or validate) and whether it rejected.',
      labelNames: ['operation', 'type', 'rejected'], buckets: BUCKETS, registers,
    });
    this.plugin = new Histogram({
      name: 'apiserver_admission_plugin_admission_duration_seconds',
      help: 'Admission plugin latency in seconds, by plugin name, operation, type and whether it rejected.',
      labelNames: ['name', 'operation', 'type', 'rejected'], buckets: BUCKETS, registers,
    });
  }

  stepDuration(operation: string, type: string, rejected: boolean, seconds: number): void {
    this.step.observe({ operation, type, rejected: String(rejected) }, seconds);
  }

  pluginDuration(name: string, operation: string, type: string, rejected: boolean, seconds: number): void {
    this.plugin.observe({ name, operation, type, rejected: String(rejected) }, seconds);
  }
}
