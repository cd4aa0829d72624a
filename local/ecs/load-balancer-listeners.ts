/**
 * The local load balancer (on its own thread) as ECS deployments see it: its named listeners are the
 * production and test listeners of local services (ListenersPort), and running tasks are registered
 * as targets of the task set's target group on their host port (TaskTargets). A task leaving its
 * target group drains first, so the deletion of a task set fails no request in flight.
 */
import { ElasticLoadBalancingInvalidError } from '../../functions/domain/deployment-errors.js';
import type { ForwardTarget, ListenersPort, TargetHealth } from '../../functions/ports/listeners.js';
import type { LoadBalancerThread } from '../load-balancer/thread.js';
import type { TaskTargets } from './local-ecs.js';

export class LoadBalancerListeners implements ListenersPort, TaskTargets {
  constructor(
    private readonly loadBalancer: LoadBalancerThread,
    private readonly options: {
      /** How long a deregistered task may drain before it is cut (the target groups' delay, plus slack). */
      drainTimeoutMs?: number;
      /** Told after every change of a forward action (the environment keeps them for the next process). */
      onForwardChange?: (listenerArn: string, targets: readonly ForwardTarget[]) => void;
    } = {},
  ) {}

  async getForwardAction(listenerArn: string): Promise<ForwardTarget[]> {
    const listener = await this.call(listenerArn, () =>
      this.loadBalancer.call('describeListener', listenerArn),
    );
    return Object.entries(listener.forward).map(([targetGroup, weight]) => ({ targetGroup, weight }));
  }

  async setForwardAction(listenerArn: string, targets: readonly ForwardTarget[]): Promise<void> {
    const forward = Object.fromEntries(targets.map((t) => [t.targetGroup, t.weight]));
    await this.call(listenerArn, () => this.loadBalancer.call('modifyListener', listenerArn, forward));
    this.options.onForwardChange?.(listenerArn, targets);
  }

  /** Local target groups are named by their name, which is all CreateTaskSet needs here. */
  async targetGroupArn(targetGroup: string): Promise<string> {
    await this.describeTargetHealth(targetGroup);
    return targetGroup;
  }

  async describeTargetHealth(targetGroup: string): Promise<TargetHealth[]> {
    const targets = await this.call(targetGroup, () => this.loadBalancer.describeTargets(targetGroup));
    return targets.map((target) => ({ targetId: target.instanceId, state: target.state }));
  }

  async register(targetGroup: string, targetId: string, hostPort: number): Promise<void> {
    await this.loadBalancer.setTargetPort(targetId, hostPort);
    await this.loadBalancer.registerTargets(targetGroup, [targetId]);
  }

  async deregister(targetGroup: string, targetId: string): Promise<void> {
    await this.loadBalancer.deregisterTargets(targetGroup, [targetId]);
    await this.loadBalancer
      .waitForDrained(targetGroup, [targetId], this.options.drainTimeoutMs ?? 10_000)
      .catch(() => undefined);
  }

  /** The load balancer's not-found answers, as the ELBv2 adapter reports them. */
  private async call<T>(resource: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'ListenerNotFoundException' || code === 'TargetGroupNotFoundException') {
        throw new ElasticLoadBalancingInvalidError(
          `${resource} does not exist on the local load balancer (${code}); check the deployment group's loadBalancerInfo.`,
          { cause: error },
        );
      }
      throw error;
    }
  }
}
