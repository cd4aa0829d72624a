/**
 * One target group: its targets, their ELBv2 health states, health checking, round-robin choice and
 * connection draining. It holds no sockets of its own besides the health-check probes; the proxy
 * borrows a target through a `TargetLease` so that draining knows what is still in flight.
 */
import type { TargetHealthState } from '../../functions/ports/load-balancer.js';
import { invalidConfiguration } from './errors.js';
import { probe, type HealthCheckFailureReason, type ProbeResult } from './health-check.js';

export interface TargetGroupOptions {
  healthCheckPath?: string;
  /** Time between the starts of two checks of one target; also each check's timeout. */
  healthCheckIntervalMs?: number;
  /** Consecutive passing checks that make an `initial` or `unhealthy` target `healthy`. */
  healthyThreshold?: number;
  /** Consecutive failing checks that make an `initial` or `healthy` target `unhealthy`. */
  unhealthyThreshold?: number;
  /** Longest a deregistered target keeps its in-flight requests before they are cut. */
  deregistrationDelayMs?: number;
}

export type TargetGroupSettings = Required<TargetGroupOptions>;

export const DEFAULT_TARGET_GROUP_SETTINGS: TargetGroupSettings = {
  healthCheckPath: '/health',
  healthCheckIntervalMs: 1000,
  healthyThreshold: 2,
  unhealthyThreshold: 2,
  deregistrationDelayMs: 5000,
};

/** ELBv2's reason codes, kept so a person debugging a local deployment sees what AWS would show. */
export type TargetHealthReason =
  | 'Elb.RegistrationInProgress'
  | 'Elb.InitialHealthChecking'
  | 'Target.DeregistrationInProgress'
  | 'Target.NotRegistered'
  | HealthCheckFailureReason;

/** A registered target's state; `unused` is never stored: an unregistered target is simply absent. */
type RegisteredState = Exclude<TargetHealthState, 'unused' | 'unavailable'>;

export interface TargetDescription {
  instanceId: string;
  state: TargetHealthState;
  reason?: TargetHealthReason;
  inFlight: number;
}

/** A request's hold on a target. `release` is idempotent; `onAbort` runs if draining times out first. */
export interface TargetLease {
  readonly instanceId: string;
  onAbort(abort: () => void): void;
  release(): void;
}

interface Target {
  instanceId: string;
  state: RegisteredState;
  reason?: TargetHealthReason;
  passes: number;
  failures: number;
  /** Bumped on every (re)registration and deregistration, so a late probe result is ignored. */
  generation: number;
  healthTimer?: NodeJS.Timeout;
  probeAbort?: AbortController;
  drainTimer?: NodeJS.Timeout;
  leases: Set<Lease>;
}

interface Lease extends TargetLease {
  abort?: () => void;
}

export class TargetGroup {
  readonly settings: TargetGroupSettings;
  private readonly targets = new Map<string, Target>();
  private cursor = 0;
  private closed = false;

  constructor(
    readonly name: string,
    options: TargetGroupOptions,
    /** Looked up at every check and request, so a host restarted on a new port is followed. */
    private readonly resolvePort: (instanceId: string) => number | undefined,
  ) {
    this.settings = { ...DEFAULT_TARGET_GROUP_SETTINGS, ...definedOnly(options) };
    checkSettings(name, this.settings);
  }

  /** Idempotent like ELBv2: a registered target stays as it is; a draining one starts over as `initial`. */
  register(instanceId: string): void {
    const existing = this.targets.get(instanceId);
    if (existing && existing.state !== 'draining') return;
    // A draining target keeps its object, so its in-flight leases stay counted on it.
    const target: Target = existing ?? {
      instanceId,
      state: 'initial',
      passes: 0,
      failures: 0,
      generation: 0,
      leases: new Set(),
    };
    this.stopTimers(target);
    target.generation++;
    target.state = 'initial';
    target.reason = 'Elb.RegistrationInProgress';
    target.passes = target.failures = 0;
    this.targets.set(instanceId, target);
    this.scheduleCheck(target, 0);
  }

  /**
   * Stops new requests at once and drains: the target disappears when its last in-flight request
   * ends, or when the deregistration delay cuts what is left. Deregistering an unknown target is a
   * silent no-op, as ELBv2's DeregisterTargets is.
   */
  deregister(instanceId: string): void {
    const target = this.targets.get(instanceId);
    if (!target || target.state === 'draining') return;
    this.stopTimers(target);
    target.generation++;
    target.state = 'draining';
    target.reason = 'Target.DeregistrationInProgress';
    // After close() no timer may start: what is left in flight is being cut by the load balancer's stop.
    if (target.leases.size === 0 || this.closed) {
      this.remove(target);
      return;
    }
    target.drainTimer = setTimeout(() => {
      this.remove(target);
      for (const lease of [...target.leases]) lease.abort?.();
    }, this.settings.deregistrationDelayMs);
  }

  state(instanceId: string): TargetHealthState {
    return this.targets.get(instanceId)?.state ?? 'unused';
  }

  describe(): TargetDescription[] {
    return [...this.targets.values()].map((target) => ({
      instanceId: target.instanceId,
      state: target.state,
      ...(target.reason ? { reason: target.reason } : {}),
      inFlight: target.leases.size,
    }));
  }

  /**
   * Round-robin over the healthy targets. With none healthy, ALB "fails open" and routes to every
   * registered target that has failed its checks; `initial` targets (never checked to completion) get
   * nothing. Draining targets never get new requests. Undefined means: no target, answer 503.
   */
  acquire(): TargetLease | undefined {
    const registered = [...this.targets.values()];
    let candidates = registered.filter((target) => target.state === 'healthy');
    if (candidates.length === 0) candidates = registered.filter((target) => target.state === 'unhealthy');
    const target = candidates[this.cursor++ % Math.max(candidates.length, 1)];
    if (!target) return undefined;
    const lease: Lease = {
      instanceId: target.instanceId,
      onAbort: (abort) => {
        lease.abort = abort;
      },
      release: () => {
        if (!target.leases.delete(lease)) return;
        if (target.state === 'draining' && target.leases.size === 0) this.remove(target);
      },
    };
    target.leases.add(lease);
    return lease;
  }

  port(instanceId: string): number | undefined {
    return this.resolvePort(instanceId);
  }

  /** Stops every timer and probe; the group keeps its targets but never checks them again. */
  close(): void {
    this.closed = true;
    for (const target of this.targets.values()) this.stopTimers(target);
  }

  private remove(target: Target): void {
    // A target re-registered meanwhile is no longer draining and must stay, timers included.
    if (target.state !== 'draining') return;
    this.stopTimers(target);
    if (this.targets.get(target.instanceId) === target) this.targets.delete(target.instanceId);
  }

  private stopTimers(target: Target): void {
    clearTimeout(target.healthTimer);
    clearTimeout(target.drainTimer);
    target.probeAbort?.abort();
    target.healthTimer = target.drainTimer = target.probeAbort = undefined;
  }

  private scheduleCheck(target: Target, delayMs: number): void {
    if (this.closed) return;
    target.healthTimer = setTimeout(() => void this.check(target), delayMs);
  }

  private async check(target: Target): Promise<void> {
    const generation = target.generation;
    const startedAt = Date.now();
    const interval = this.settings.healthCheckIntervalMs;
    const port = this.resolvePort(target.instanceId);
    let result: ProbeResult = { ok: false, reason: 'Target.FailedHealthChecks' };
    if (port !== undefined) {
      target.probeAbort = new AbortController();
      result = await probe({
        port,
        path: this.settings.healthCheckPath,
        timeoutMs: interval,
        signal: target.probeAbort.signal,
      });
      target.probeAbort = undefined;
    }
    if (this.closed || target.generation !== generation) return;
    this.apply(target, result);
    // Checks start one interval apart, however long each took (the timeout keeps it under one interval).
    this.scheduleCheck(target, Math.max(0, interval - (Date.now() - startedAt)));
  }

  private apply(target: Target, result: ProbeResult): void {
    const { healthyThreshold, unhealthyThreshold } = this.settings;
    if (result.ok) {
      target.passes++;
      target.failures = 0;
      if (target.state !== 'healthy' && target.passes >= healthyThreshold) {
        target.state = 'healthy';
        target.reason = undefined;
      } else if (target.state === 'initial') {
        target.reason = 'Elb.InitialHealthChecking';
      }
      return;
    }
    target.failures++;
    target.passes = 0;
    if (target.state === 'unhealthy' || target.failures >= unhealthyThreshold) {
      target.state = 'unhealthy';
      target.reason = result.reason;
    } else if (target.state === 'initial') {
      target.reason = 'Elb.InitialHealthChecking';
    }
  }
}

/** Rejected at creation, as CreateTargetGroup does, rather than misbehaving later inside a timer. */
function checkSettings(name: string, settings: TargetGroupSettings): void {
  const problems: string[] = [];
  if (!settings.healthCheckPath.startsWith('/')) problems.push('healthCheckPath must start with /');
  if (!(settings.healthCheckIntervalMs > 0)) problems.push('healthCheckIntervalMs must be positive');
  for (const key of ['healthyThreshold', 'unhealthyThreshold'] as const) {
    if (!Number.isInteger(settings[key]) || settings[key] < 1)
      problems.push(`${key} must be a positive integer`);
  }
  if (!(settings.deregistrationDelayMs >= 0)) problems.push('deregistrationDelayMs must not be negative');
  if (problems.length > 0) throw invalidConfiguration('CreateTargetGroup', name, problems.join('; '));
}

/** `{ x: undefined }` must not override a default when spread. */
function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
