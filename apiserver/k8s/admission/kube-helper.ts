// Admission decided by kube-apiserver's own code. The helper (tools/kube-admission, Go) links k8s.io/apiserver's
// MutatingAdmissionPolicy, MutatingAdmissionWebhook, ValidatingAdmissionPolicy and ValidatingAdmissionWebhook plugins
// with their informers on the cluster, so the CEL environment (libraries, RE2, type and cost limits), matching,
// reinvocation and webhook calls are kube's at the control plane's version — a re-implementation would lag it.
// This module runs it as a child process (restarted with a backoff when it dies) and is the AdmissionPlugin that
// hands it each write's attributes over a unix socket: admit() runs kube's mutating plugins, validate() the validating
// ones. While the helper is down, writes are refused (503), never admitted unchecked.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StatusError } from '../status.js';
import type { Status } from '../types.js';
import { type AdmissionAttributes, userInfoJson } from './attributes.js';
import type { AdmissionPlugin, Warnings } from './chain.js';

export interface KubeAdmissionHelperOptions {
  /** The helper binary (tools/kube-admission/build.sh prints its path). */
  binary: string;
  /** The cluster's kubeconfig; in-cluster credentials when absent. */
  kubeconfig?: string;
  log: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;
  /** What the plugins wrote into the audit event of a write (kube-apiserver's audit annotations). */
  onAuditAnnotations?: (a: AdmissionAttributes, annotations: Record<string, string>) => void;
}

interface HelperAnswer {
  object?: AdmissionAttributes['object'];
  warnings: string[];
  auditAnnotations: Record<string, string>;
  status?: Status;
}

const MAX_BACKOFF_MS = 10_000;

function unavailable(why: string): StatusError {
  return new StatusError({
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 503, reason: 'ServiceUnavailable',
    message: `admission is unavailable: ${why}`,
  });
}

export class KubeAdmissionHelper implements AdmissionPlugin {
  readonly name = 'KubeAdmission';
  private child?: ChildProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'kube-admission-'));
  private readonly socket = join(this.dir, 'admission.sock');
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private stopped = false;
  private restarts = 0;
  private lastExit?: string;

  constructor(private readonly opts: KubeAdmissionHelperOptions) {}

  start(): void {
    if (this.stopped || this.child) return;
    const args = [`--socket=${this.socket}`, ...(this.opts.kubeconfig ? [`--kubeconfig=${this.opts.kubeconfig}`] : [])];
    const child = spawn(this.opts.binary, args, { stdio: ['ignore', 'inherit', 'pipe'] });
    this.child = child;
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      for (const line of chunk.split('\n').filter(Boolean)) this.opts.log('info', line, { helper: 'kube-admission' });
    });
    let ended = false;
    const restart = (why: string) => {
      if (ended) return;
      ended = true;
      if (this.child === child) this.child = undefined;
      if (this.stopped) return;
      this.lastExit = why;
      const delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(this.restarts++, 6));
      this.opts.log('warn', 'the admission helper stopped; restarting', { exit: why, inMs: delay });
      setTimeout(() => this.start(), delay).unref();
    };
    // A binary that cannot be started emits 'error' and not always 'exit': both end this child and restart it.
    child.on('error', (err) => {
      this.opts.log('warn', 'the admission helper could not start', { err: err.message });
      if (child.pid === undefined) restart(`could not start: ${err.message}`);
    });
    child.on('exit', (code, signal) => restart(signal ? `signal ${signal}` : `exit code ${String(code)}`));
  }

  stop(): void {
    this.stopped = true;
    this.child?.kill('SIGTERM');
    this.agent.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Whether the helper answers and its informers have synced (the server's /readyz). */
  async ready(): Promise<boolean> {
    try {
      const { code } = await this.call('GET', '/readyz');
      return code === 200;
    } catch {
      return false;
    }
  }

  handles(a: AdmissionAttributes): boolean {
    return a.operation !== 'CONNECT';
  }

  /** Policies and webhooks may match any resource; the helper's informers know which do. */
  mayMatch(): boolean {
    return true;
  }

  async admit(a: AdmissionAttributes, warnings: Warnings): Promise<void> {
    const answer = await this.review('mutate', a, warnings);
    if (answer.object && a.object) a.object = answer.object;
  }

  async validate(a: AdmissionAttributes, warnings: Warnings): Promise<void> {
    await this.review('validate', a, warnings);
  }

  private async review(phase: 'mutate' | 'validate', a: AdmissionAttributes, warnings: Warnings): Promise<HelperAnswer> {
    const body = JSON.stringify({
      phase, operation: a.operation, kind: a.kind, resource: a.resource, subResource: a.subResource,
      name: a.name, namespace: a.namespace, object: a.object ?? null, oldObject: a.oldObject ?? null,
      options: a.options, dryRun: a.dryRun, userInfo: userInfoJson(a.userInfo),
    });
    let reply: { code: number; text: string };
    try {
      reply = await this.call('POST', '/admit', body, a.signal);
    } catch (err) {
      if (a.signal?.aborted) throw err;
      throw unavailable(this.child ? (err as Error).message : `the admission helper is not running (${this.lastExit ?? 'starting'})`);
    }
    if (reply.code !== 200) throw unavailable(`the admission helper answered ${reply.code}: ${reply.text.trim()}`);
    const answer = JSON.parse(reply.text) as HelperAnswer;
    for (const w of answer.warnings) if (!warnings.includes(w)) warnings.push(w);
    if (Object.keys(answer.auditAnnotations).length) this.opts.onAuditAnnotations?.(a, answer.auditAnnotations);
    if (answer.status) throw new StatusError({ ...answer.status, kind: 'Status', apiVersion: 'v1', metadata: answer.status.metadata ?? {} });
    return answer;
  }

  private call(method: string, path: string, body?: string, signal?: AbortSignal): Promise<{ code: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = request({
        socketPath: this.socket, path, method, agent: this.agent, ...(signal ? { signal } : {}),
        headers: body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {},
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }
}
