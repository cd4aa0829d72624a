/**
 * Traffic counters of the local load balancer, the local stand-in for ALB's CloudWatch metrics
 * (RequestCount, HTTPCode_Target_nXX_Count, HTTPCode_ELB_5XX_Count). Requests are counted when they
 * end, in small time buckets, so that an alarm can evaluate short windows (tests use 100 ms periods)
 * while memory stays bounded: buckets older than the retention are dropped.
 */

export type StatusClass = '2xx' | '3xx' | '4xx' | '5xx';
export type StatusCounts = Record<StatusClass, number>;

/** How one proxied request ended. */
export interface RequestOutcome {
  targetGroup?: string;
  instanceId?: string;
  /** The status sent to the client; undefined when the client went away before any response. */
  status?: number;
  /** The load balancer answered itself (502/503), like ALB's HTTPCode_ELB_5XX. */
  generatedByLoadBalancer: boolean;
  /** The target could not be reached or reset the connection before answering. */
  targetConnectionError: boolean;
}

export interface TargetMetrics {
  targetGroup: string;
  instanceId: string;
  requests: number;
  responses: StatusCounts;
  connectionErrors: number;
}

export interface TimeSeriesPoint {
  /** Start of the second, in Unix seconds. */
  second: number;
  requests: number;
  fiveXx: number;
}

export interface LoadBalancerMetrics {
  requests: number;
  /** Every response by class, the load balancer's own 502/503 included in 5xx. */
  responses: StatusCounts;
  /** The 5xx the load balancer produced itself (no target, target unreachable). */
  loadBalancer5xx: number;
  /** Requests whose client disconnected before a response started (ALB logs them as 460). */
  clientClosed: number;
  targets: TargetMetrics[];
  timeSeries: TimeSeriesPoint[];
}

export interface TrafficMetricsOptions {
  /** How far back the time series and the windows reach. Default 10 minutes. */
  retentionMs?: number;
  /** Bucket width; a window is measured to within one bucket. Default 100 ms. */
  resolutionMs?: number;
  now?: () => number;
}

interface Bucket {
  index: number;
  requests: number;
  fiveXx: number;
}

export class TrafficMetrics {
  private readonly retentionMs: number;
  private readonly resolutionMs: number;
  private readonly now: () => number;
  private requests = 0;
  private clientClosed = 0;
  private loadBalancer5xx = 0;
  private readonly responses = emptyCounts();
  private readonly perTarget = new Map<string, TargetMetrics>();
  /** Ascending by index; only buckets that saw a request exist. */
  private buckets: Bucket[] = [];

  constructor(options: TrafficMetricsOptions = {}) {
    this.retentionMs = options.retentionMs ?? 10 * 60_000;
    this.resolutionMs = options.resolutionMs ?? 100;
    this.now = options.now ?? Date.now;
    if (!(this.resolutionMs > 0) || !(this.retentionMs >= this.resolutionMs)) {
      throw new RangeError('metrics need resolutionMs > 0 and retentionMs >= resolutionMs');
    }
  }

  record(outcome: RequestOutcome): void {
    const statusClass = classOf(outcome.status);
    const fiveXx = statusClass === '5xx';
    this.requests++;
    if (statusClass) this.responses[statusClass]++;
    else if (outcome.status === undefined) this.clientClosed++;
    if (fiveXx && outcome.generatedByLoadBalancer) this.loadBalancer5xx++;
    if (outcome.targetGroup !== undefined && outcome.instanceId !== undefined) {
      const target = this.targetMetrics(outcome.targetGroup, outcome.instanceId);
      target.requests++;
      if (statusClass) target.responses[statusClass]++;
      if (outcome.targetConnectionError) target.connectionErrors++;
    }
    const index = Math.floor(this.now() / this.resolutionMs);
    let bucket = this.buckets.at(-1);
    if (bucket?.index !== index) {
      bucket = { index, requests: 0, fiveXx: 0 };
      this.buckets.push(bucket);
      this.prune();
    }
    bucket.requests++;
    if (fiveXx) bucket.fiveXx++;
  }

  /** Requests and 5xx that ended within the last `windowMs` (to within one bucket). */
  window(windowMs: number): { requests: number; fiveXx: number } {
    const firstIndex = Math.floor((this.now() - windowMs) / this.resolutionMs) + 1;
    let requests = 0;
    let fiveXx = 0;
    for (let i = this.buckets.length - 1; i >= 0; i--) {
      const bucket = this.buckets[i];
      if (!bucket || bucket.index < firstIndex) break;
      requests += bucket.requests;
      fiveXx += bucket.fiveXx;
    }
    return { requests, fiveXx };
  }

  /** The 5xx share of the requests of the last `windowMs`, in percent; 0 when there were none. */
  fiveXxRate(windowMs: number): number {
    const { requests, fiveXx } = this.window(windowMs);
    return requests === 0 ? 0 : (fiveXx / requests) * 100;
  }

  snapshot(): LoadBalancerMetrics {
    this.prune();
    return {
      requests: this.requests,
      responses: { ...this.responses },
      loadBalancer5xx: this.loadBalancer5xx,
      clientClosed: this.clientClosed,
      targets: [...this.perTarget.values()].map((target) => ({
        ...target,
        responses: { ...target.responses },
      })),
      timeSeries: this.timeSeries(),
    };
  }

  private timeSeries(): TimeSeriesPoint[] {
    const points: TimeSeriesPoint[] = [];
    for (const bucket of this.buckets) {
      const second = Math.floor((bucket.index * this.resolutionMs) / 1000);
      let point = points.at(-1);
      if (point?.second !== second) {
        point = { second, requests: 0, fiveXx: 0 };
        points.push(point);
      }
      point.requests += bucket.requests;
      point.fiveXx += bucket.fiveXx;
    }
    return points;
  }

  private targetMetrics(targetGroup: string, instanceId: string): TargetMetrics {
    // JSON of the pair cannot collide, whatever characters the names hold.
    const key = JSON.stringify([targetGroup, instanceId]);
    let target = this.perTarget.get(key);
    if (!target) {
      target = { targetGroup, instanceId, requests: 0, responses: emptyCounts(), connectionErrors: 0 };
      this.perTarget.set(key, target);
    }
    return target;
  }

  private prune(): void {
    const firstIndex = Math.floor((this.now() - this.retentionMs) / this.resolutionMs) + 1;
    const keepFrom = this.buckets.findIndex((bucket) => bucket.index >= firstIndex);
    if (keepFrom === -1) this.buckets = [];
    else if (keepFrom > 0) this.buckets = this.buckets.slice(keepFrom);
  }
}

function emptyCounts(): StatusCounts {
  return { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };
}

function classOf(status: number | undefined): StatusClass | undefined {
  if (status === undefined) return undefined;
  if (status >= 200 && status < 300) return '2xx';
  if (status >= 300 && status < 400) return '3xx';
  if (status >= 400 && status < 500) return '4xx';
  if (status >= 500 && status < 600) return '5xx';
  return undefined;
}
