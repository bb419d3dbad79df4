// core/v1 Events about the objects this server serves. An event's name is derived from a caller-given key,
// so every replica (and every restart) that records the same happening writes the same Event once:
// a second create answers 409 AlreadyExists and is dropped.
// Each write records one, so the POST goes through the server's own JSON client (kube-rest.ts, keep-alive) rather
// than @kubernetes/client-node, whose request building and ObjectSerializer (de)serialization of the answer were
// ~5% of the server's CPU per write (issue 32).
import { createHash } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { kubeRest } from './kube-rest.js';

export interface InvolvedObject {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid?: string;
  resourceVersion?: string;
}

export interface EventRecord {
  type: 'Normal' | 'Warning';
  /** CamelCase, e.g. SavepointTriggered. */
  reason: string;
  message: string;
  /** Identifies the happening among those of the same reason; recorded once. Default: message + now. */
  key?: string;
  /** When it happened (default now), e.g. the platform event's own time. */
  time?: Date;
}

export interface EventSink {
  record(object: InvolvedObject, event: EventRecord): Promise<void>;
}

export function eventName(object: InvolvedObject, reason: string, key: string): string {
  const digest = createHash('sha256').update(`${object.namespace}/${object.name}/${object.uid ?? ''}/${reason}/${key}`).digest('hex').slice(0, 16);
  return `${object.name.slice(0, 200)}.${digest}`;
}

function statusCode(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown; body?: unknown };
  if (typeof e.code === 'number') return e.code;
  if (typeof e.statusCode === 'number') return e.statusCode;
  return undefined;
}

/** metav1.Time: RFC 3339 in whole seconds. */
const kubeTime = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

export class KubeEventRecorder implements EventSink {
  constructor(private readonly kubeConfig: KubeConfig, private readonly component: string, private readonly log: Logger) {}

  async record(object: InvolvedObject, event: EventRecord): Promise<void> {
    const time = event.time ?? new Date();
    const name = eventName(object, event.reason, event.key ?? `${event.message}/${time.toISOString()}`);
    try {
      await kubeRest(this.kubeConfig, 'POST', `/api/v1/namespaces/${encodeURIComponent(object.namespace)}/events`, {
        apiVersion: 'v1', kind: 'Event',
        metadata: { name, namespace: object.namespace },
        involvedObject: { ...object },
        type: event.type, reason: event.reason, message: event.message.slice(0, 1024),
        firstTimestamp: kubeTime(time), lastTimestamp: kubeTime(time), count: 1,
        source: { component: this.component }, reportingComponent: this.component, reportingInstance: this.component,
      });
    } catch (err) {
      if (statusCode(err) === 409) return;
      this.log.warn({ reason: event.reason, object: `${object.namespace}/${object.name}`, code: statusCode(err) }, 'could not record an Event');
    }
  }
}
