// kube-apiserver's apiserver_flowcontrol_* metrics, by the same names and labels, for this server's own flow control.
// Label values are names of the cluster's FlowSchemas and PriorityLevelConfigurations (objects admins create), never
// anything a client chooses. The borrowing figures (limits, seat demand, targets, fair fraction) are set as kube's
// SetPriorityLevelConfiguration and NotePriorityLevelConcurrencyAdjustment set them: on every configuration change and
// every borrowing adjustment. kube's demand_seats (a timing-ratio histogram of demand over nominal) is not served: its
// high watermark, average, deviation and smoothed value are.

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { FlowControlObserver } from './controller.js';
import type { RejectReason } from './queueset.js';

export class FlowControlMetrics {
  readonly inQueue: Gauge<'priority_level' | 'flow_schema'>;
  readonly executing: Gauge<'priority_level' | 'flow_schema'>;
  readonly executingSeats: Gauge<'priority_level' | 'flow_schema'>;
  readonly nominalSeats: Gauge<'priority_level'>;
  readonly lowerSeats: Gauge<'priority_level'>;
  readonly upperSeats: Gauge<'priority_level'>;
  readonly currentSeats: Gauge<'priority_level'>;
  readonly demand: Record<'highWatermark' | 'average' | 'stdev' | 'smoothed' | 'target', Gauge<'priority_level'>>;
  readonly fairFrac: Gauge;
  readonly dispatched: Counter<'priority_level' | 'flow_schema'>;
  readonly rejected: Counter<'priority_level' | 'flow_schema' | 'reason'>;
  readonly waitDuration: Histogram<'priority_level' | 'flow_schema' | 'execute'>;
  readonly estimatedSeats: Histogram<'priority_level' | 'flow_schema'>;

  constructor(registry: Registry) {
    const registers = [registry];
    const labels = ['priority_level', 'flow_schema'] as const;
    this.inQueue = new Gauge({ name: 'apiserver_flowcontrol_current_inqueue_requests', help: 'Number of requests currently pending in queues of the API Priority and Fairness subsystem', labelNames: labels, registers });
    this.executing = new Gauge({ name: 'apiserver_flowcontrol_current_executing_requests', help: 'Number of requests in initial (for a WATCH) or any (for a non-WATCH) execution stage in the API Priority and Fairness subsystem', labelNames: labels, registers });
    this.executingSeats = new Gauge({ name: 'apiserver_flowcontrol_current_executing_seats', help: 'Concurrency (number of seats) occupied by the currently executing (initial stage for a WATCH, any stage otherwise) requests in the API Priority and Fairness subsystem', labelNames: labels, registers });
    this.nominalSeats = new Gauge({ name: 'apiserver_flowcontrol_nominal_limit_seats', help: 'Nominal number of execution seats configured for each priority level', labelNames: ['priority_level'], registers });
    const byLevel = { labelNames: ['priority_level'] as const, registers };
    this.lowerSeats = new Gauge({ name: 'apiserver_flowcontrol_lower_limit_seats', help: 'Configured lower bound on number of execution seats available to each priority level', ...byLevel });
    this.upperSeats = new Gauge({ name: 'apiserver_flowcontrol_upper_limit_seats', help: 'Configured upper bound on number of execution seats available to each priority level', ...byLevel });
    this.currentSeats = new Gauge({ name: 'apiserver_flowcontrol_current_limit_seats', help: 'current derived number of execution seats available to each priority level', ...byLevel });
    this.demand = {
      highWatermark: new Gauge({ name: 'apiserver_flowcontrol_demand_seats_high_watermark', help: 'High watermark, over last adjustment period, of demand_seats', ...byLevel }),
      average: new Gauge({ name: 'apiserver_flowcontrol_demand_seats_average', help: 'Time-weighted average, over last adjustment period, of demand_seats', ...byLevel }),
      stdev: new Gauge({ name: 'apiserver_flowcontrol_demand_seats_stdev', help: 'Time-weighted standard deviation, over last adjustment period, of demand_seats', ...byLevel }),
      smoothed: new Gauge({ name: 'apiserver_flowcontrol_demand_seats_smoothed', help: 'Smoothed seat demands', ...byLevel }),
      target: new Gauge({ name: 'apiserver_flowcontrol_target_seats', help: 'Seat allocation targets', ...byLevel }),
    };
    this.fairFrac = new Gauge({ name: 'apiserver_flowcontrol_seat_fair_frac', help: 'Fair fraction of server\'s concurrency to allocate to each priority level that can use it', registers });
    this.dispatched = new Counter({ name: 'apiserver_flowcontrol_dispatched_requests_total', help: 'Number of requests executed by API Priority and Fairness subsystem', labelNames: labels, registers });
    this.rejected = new Counter({ name: 'apiserver_flowcontrol_rejected_requests_total', help: 'Number of requests rejected by API Priority and Fairness subsystem', labelNames: [...labels, 'reason'], registers });
    this.waitDuration = new Histogram({
      name: 'apiserver_flowcontrol_request_wait_duration_seconds', help: 'Length of time a request spent waiting in its queue',
      labelNames: [...labels, 'execute'], buckets: [0, 0.005, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30], registers,
    });
    this.estimatedSeats = new Histogram({
      name: 'apiserver_flowcontrol_work_estimated_seats', help: 'Number of estimated seats (maximum of initial and final seats) associated with requests in API Priority and Fairness',
      labelNames: labels, buckets: [1, 2, 4, 10], registers,
    });
  }

  observer(level: string): FlowControlObserver {
    return {
      onChange: (flowSchema, waitingDelta, executingDelta, seatsDelta) => {
        const labels = { priority_level: level, flow_schema: flowSchema };
        if (waitingDelta) this.inQueue.inc(labels, waitingDelta);
        if (executingDelta) this.executing.inc(labels, executingDelta);
        if (seatsDelta) this.executingSeats.inc(labels, seatsDelta);
      },
      onLevels: (plans) => {
        for (const gauge of [this.nominalSeats, this.lowerSeats, this.upperSeats, this.currentSeats, ...Object.values(this.demand)]) gauge.reset();
        for (const plan of plans) {
          const labels = { priority_level: plan.name };
          this.nominalSeats.set(labels, plan.limits.nominalCL);
          this.lowerSeats.set(labels, plan.limits.minCL);
          this.upperSeats.set(labels, plan.limits.maxCL);
        }
      },
      onBorrowing: (outcome) => {
        this.fairFrac.set(outcome.fairFrac);
        for (const adjusted of outcome.levels) {
          const labels = { priority_level: adjusted.name };
          this.demand.highWatermark.set(labels, adjusted.stats.highWatermark);
          this.demand.average.set(labels, adjusted.stats.avg);
          this.demand.stdev.set(labels, adjusted.stats.stdDev);
          this.demand.smoothed.set(labels, adjusted.stats.smoothed);
          this.demand.target.set(labels, adjusted.target);
          this.currentSeats.set(labels, adjusted.currentCL);
        }
      },
    };
  }

  outcome(level: string, flowSchema: string, waitedSeconds: number, rejected?: RejectReason): void {
    const labels = { priority_level: level, flow_schema: flowSchema };
    this.waitDuration.observe({ ...labels, execute: rejected ? 'false' : 'true' }, waitedSeconds);
    if (rejected) this.rejected.inc({ ...labels, reason: rejected });
    else this.dispatched.inc(labels);
  }
}
