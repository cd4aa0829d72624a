/**
 * Simulated ECS tasks and ELBv2 listeners for `stepdeploy simulate` and the flow tests: tasks start
 * after a few simulated seconds and pass their health checks a little later, listeners are weighted
 * forward actions in memory. No process runs and nothing listens; the local ECS model (task sets,
 * desired counts, the primary) is the real one (local/ecs/local-ecs.ts).
 */
import { ElasticLoadBalancingInvalidError } from '../../functions/domain/deployment-errors.js';
import type { ForwardTarget, ListenersPort, TargetHealth } from '../../functions/ports/listeners.js';
import type { TargetHealthState } from '../../functions/ports/load-balancer.js';
import type { LocalTask, TaskRunner, TaskTargets } from '../ecs/local-ecs.js';
import type { SimulationTimers } from './timers.js';

export interface SimulatedEcsTiming {
  /** Simulated ms from a task's start to RUNNING. Default 5 s. */
  startMs?: number;
  /** Simulated ms from a target's registration to `healthy`. Default 10 s (two 5 s checks). */
  healthyMs?: number;
}

/** Tasks that run after `startMs` of simulated time; a stop ends them at once. */
export class SimulatedTaskRunner implements TaskRunner {
  private nextPort = 20000;
  private readonly timers = new Map<string, () => void>();

  constructor(
    private readonly clock: SimulationTimers,
    private readonly timing: SimulatedEcsTiming = {},
  ) {}

  start(
    task: LocalTask,
    _definition: unknown,
    _container: string,
    events: { running(port: number): void },
  ): void {
    const port = this.nextPort++;
    this.timers.set(
      task.taskId,
      this.clock.setTimer(this.timing.startMs ?? 5000, () => {
        this.timers.delete(task.taskId);
        events.running(port);
      }),
    );
  }

  async stop(task: LocalTask): Promise<void> {
    this.timers.get(task.taskId)?.();
    this.timers.delete(task.taskId);
  }
}

export interface ForwardChange {
  at: Date;
  listenerArn: string;
  targets: ForwardTarget[];
}

interface SimulatedTarget {
  state: TargetHealthState;
  cancel?: () => void;
}

/**
 * Listeners and target groups as ELBv2 keeps them: a listener's forward action by ARN, a target group
 * by name with its registered targets (initial, then healthy). Every accepted change of a forward
 * action is recorded and told to subscribers, as the simulated Lambda reports alias changes.
 */
export class SimulatedListeners implements ListenersPort, TaskTargets {
  private readonly listeners = new Map<string, ForwardTarget[]>();
  private readonly groups = new Map<string, Map<string, SimulatedTarget>>();
  private readonly changes: ForwardChange[] = [];
  private readonly subscribers = new Set<(change: ForwardChange) => void>();

  constructor(
    private readonly clock: SimulationTimers,
    private readonly timing: SimulatedEcsTiming = {},
  ) {}

  createTargetGroup(name: string): void {
    if (!this.groups.has(name)) this.groups.set(name, new Map());
  }

  /** A listener (or rule) forwarding to these target groups; no change is recorded for its creation. */
  createListener(listenerArn: string, targets: readonly ForwardTarget[]): void {
    for (const target of targets) this.createTargetGroup(target.targetGroup);
    this.listeners.set(
      listenerArn,
      targets.map((t) => ({ ...t })),
    );
  }

  subscribe(listener: (change: ForwardChange) => void): () => void {
    this.subscribers.add(listener);
    return () => this.subscribers.delete(listener);
  }

  forwardChanges(): ForwardChange[] {
    return this.changes.map((change) => ({ ...change, targets: change.targets.map((t) => ({ ...t })) }));
  }

  async getForwardAction(listenerArn: string): Promise<ForwardTarget[]> {
    return this.listener(listenerArn).map((t) => ({ ...t }));
  }

  async setForwardAction(listenerArn: string, targets: readonly ForwardTarget[]): Promise<void> {
    this.listener(listenerArn);
    for (const target of targets) {
      if (!this.groups.has(target.targetGroup)) {
        throw new ElasticLoadBalancingInvalidError(`The target group ${target.targetGroup} does not exist.`);
      }
      if (!Number.isInteger(target.weight) || target.weight < 0 || target.weight > 999) {
        throw new ElasticLoadBalancingInvalidError(
          `A weight is an integer from 0 to 999, not ${target.weight}.`,
        );
      }
    }
    const copy = targets.map((t) => ({ ...t }));
    this.listeners.set(listenerArn, copy);
    const change: ForwardChange = { at: this.clock.now(), listenerArn, targets: copy.map((t) => ({ ...t })) };
    this.changes.push(change);
    for (const subscriber of [...this.subscribers]) subscriber(change);
  }

  async targetGroupArn(targetGroup: string): Promise<string> {
    if (!this.groups.has(targetGroup)) {
      throw new ElasticLoadBalancingInvalidError(`The target group ${targetGroup} does not exist.`);
    }
    return targetGroup;
  }

  async describeTargetHealth(targetGroup: string): Promise<TargetHealth[]> {
    return [...this.group(targetGroup)].map(([targetId, target]) => ({ targetId, state: target.state }));
  }

  async register(targetGroup: string, targetId: string): Promise<void> {
    const group = this.group(targetGroup);
    const target: SimulatedTarget = { state: 'initial' };
    group.set(targetId, target);
    target.cancel = this.clock.setTimer(this.timing.healthyMs ?? 10_000, () => {
      target.state = 'healthy';
    });
  }

  async deregister(targetGroup: string, targetId: string): Promise<void> {
    const group = this.group(targetGroup);
    group.get(targetId)?.cancel?.();
    group.delete(targetId);
  }

  private listener(listenerArn: string): ForwardTarget[] {
    const targets = this.listeners.get(listenerArn);
    if (!targets) throw new ElasticLoadBalancingInvalidError(`The listener ${listenerArn} does not exist.`);
    return targets;
  }

  private group(name: string): Map<string, SimulatedTarget> {
    const group = this.groups.get(name);
    if (!group) throw new ElasticLoadBalancingInvalidError(`The target group ${name} does not exist.`);
    return group;
  }
}
