// Admission metrics under kube-apiserver's names (apiserver_admission_*, apiserver_validating_admission_policy_*),
// registered on the server's prom-client registry. Label values are plugin, webhook and policy names from the
// cluster's configurations — chosen by cluster administrators, never by requests.

import { Counter, Histogram, type Registry } from 'prom-client';

const BUCKETS = [0.005, 0.025, 0.1, 0.5, 1, 2.5, 10, 25];

export class AdmissionMetrics {
  private readonly step: Histogram<'operation' | 'type' | 'rejected'>;
  private readonly plugin: Histogram<'name' | 'operation' | 'type' | 'rejected'>;
  private readonly webhook: Histogram<'name' | 'operation' | 'type' | 'rejected'>;
  private readonly webhookRejections: Counter<'name' | 'operation' | 'type' | 'error_type' | 'rejection_code'>;
  private readonly policyChecks: Counter<'policy' | 'policy_binding' | 'enforcement_action' | 'error_type'>;
  private readonly policyDuration: Histogram<'policy' | 'policy_binding' | 'enforcement_action' | 'error_type'>;

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
    this.webhook = new Histogram({
      name: 'apiserver_admission_webhook_admission_duration_seconds',
      help: 'Admission webhook call latency in seconds, by webhook name, operation, type (admit or validating) and whether it rejected.',
      labelNames: ['name', 'operation', 'type', 'rejected'], buckets: BUCKETS, registers,
    });
    this.webhookRejections = new Counter({
      name: 'apiserver_admission_webhook_rejection_count',
      help: 'Admission webhook rejections, by webhook name, operation, type, error type (calling_webhook_error, no_error) and HTTP code.',
      labelNames: ['name', 'operation', 'type', 'error_type', 'rejection_code'], registers,
    });
    this.policyChecks = new Counter({
      name: 'apiserver_validating_admission_policy_check_total',
      help: 'Validating admission policy checks, by policy, binding, enforcement action (allow, deny, warn, audit) and error type.',
      labelNames: ['policy', 'policy_binding', 'enforcement_action', 'error_type'], registers,
    });
    this.policyDuration = new Histogram({
      name: 'apiserver_validating_admission_policy_check_duration_seconds',
      help: 'Validating admission policy check latency in seconds, by policy, binding, enforcement action and error type.',
      labelNames: ['policy', 'policy_binding', 'enforcement_action', 'error_type'], buckets: BUCKETS, registers,
    });
  }

  stepDuration(operation: string, type: string, rejected: boolean, seconds: number): void {
    this.step.observe({ operation, type, rejected: String(rejected) }, seconds);
  }

  pluginDuration(name: string, operation: string, type: string, rejected: boolean, seconds: number): void {
    this.plugin.observe({ name, operation, type, rejected: String(rejected) }, seconds);
  }

  webhookDuration(name: string, operation: string, type: string, rejected: boolean, seconds: number): void {
    this.webhook.observe({ name, operation, type, rejected: String(rejected) }, seconds);
  }

  webhookRejection(name: string, operation: string, type: string, errorType: string, code: number): void {
    this.webhookRejections.inc({ name, operation, type, error_type: errorType, rejection_code: String(code) });
  }

  policyCheck(policy: string, binding: string, action: string, errorType: string, seconds: number): void {
    const labels = { policy, policy_binding: binding, enforcement_action: action, error_type: errorType };
    this.policyChecks.inc(labels);
    this.policyDuration.observe(labels, seconds);
  }
}
