/**
 * The server's local load balancers: one listener per target group a deployment group names
 * (`loadBalancerInfo.targetGroupInfoList`), each on its own worker thread (LoadBalancerThread) and
 * created on first use, so the API, the engine and a deployment's CPU-heavy moments never stall the
 * traffic. Steps reach them through the LoadBalancerPort by target-group name, as ELBv2 in AWS.
 */
import type { LoadBalancerPort, TargetHealthState } from '../../functions/ports/load-balancer.js';
import type { LocalHost } from '../hosts/hosts.js';
import { LoadBalancerThread } from '../load-balancer/thread.js';
import type { TargetGroupOptions } from '../load-balancer/target-group.js';

/** Health checks as the local apps answer them: fast, so a deployment's traffic events take seconds. */
export const LOCAL_TARGET_GROUP_OPTIONS: TargetGroupOptions = {
  healthCheckPath: '/health',
  healthCheckIntervalMs: 500,
  healthyThreshold: 2,
  unhealthyThreshold: 2,
  deregistrationDelayMs: 3000,
};

export class LocalLoadBalancers implements LoadBalancerPort {
  private readonly threads = new Map<string, Promise<LoadBalancerThread>>();
  /** The listeners that have started, by target group. */
  private readonly running = new Map<string, LoadBalancerThread>();
  private readonly ports = new Map<string, number>();
  private closed = false;

  constructor(
    /** Told the listeners' URLs whenever one is added (server.json's `loadBalancers`). */
    private readonly changed: (urls: Record<string, string>) => void,
    private readonly options: {
      /** The first listener's port, when its target group has none of its own below. */
      port?: number;
      /** The port each target group's listener had before (server.json): taken again when free. */
      ports?: Record<string, number>;
    } = {},
  ) {}

  /** A host joined: every listener learns where it serves. */
  async addHost(host: LocalHost): Promise<void> {
    this.ports.set(host.id, host.port);
    for (const thread of this.threads.values()) await (await thread).setTargetPort(host.id, host.port);
  }

  /** The target group's listener, started on first use. */
  get(targetGroup: string): Promise<LoadBalancerThread> {
    if (this.closed) return Promise.reject(new Error('The local load balancers are closed.'));
    let thread = this.threads.get(targetGroup);
    if (!thread) {
      // A target group listens where it did before; only the first one may take the requested
      // port; the others (and one whose port another process has taken since) get free ones.
      const port =
        this.options.ports?.[targetGroup] ?? (this.threads.size === 0 ? (this.options.port ?? 0) : 0);
      const targetPorts = Object.fromEntries(this.ports);
      thread = LoadBalancerThread.start({ port, targetPorts })
        .catch((error: unknown) => {
          if (port === 0 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
          return LoadBalancerThread.start({ port: 0, targetPorts });
        })
        .then(async (started) => {
          await started.createTargetGroup(targetGroup, LOCAL_TARGET_GROUP_OPTIONS);
          return started;
        });
      this.threads.set(targetGroup, thread);
      thread.then(
        (started) => {
          this.running.set(targetGroup, started);
          this.changed(this.urls());
        },
        () => this.threads.delete(targetGroup),
      );
    }
    return thread;
  }

  /** The URL of each listener started so far. */
  urls(): Record<string, string> {
    return Object.fromEntries([...this.running].map(([name, thread]) => [name, thread.url]));
  }

  /** A started listener, if its target group has one. */
  listener(targetGroup: string): LoadBalancerThread | undefined {
    return this.running.get(targetGroup);
  }

  async registerTargets(targetGroup: string, instanceIds: readonly string[]): Promise<void> {
    await (await this.get(targetGroup)).registerTargets(targetGroup, instanceIds);
  }

  async deregisterTargets(targetGroup: string, instanceIds: readonly string[]): Promise<void> {
    await (await this.get(targetGroup)).deregisterTargets(targetGroup, instanceIds);
  }

  async describeTargetHealth(
    targetGroup: string,
    instanceIds: readonly string[],
  ): Promise<Map<string, TargetHealthState>> {
    return (await this.get(targetGroup)).describeTargetHealth(targetGroup, instanceIds);
  }

  async close(): Promise<void> {
    this.closed = true;
    const threads = [...this.threads.values()];
    this.threads.clear();
    this.running.clear();
    await Promise.all(threads.map(async (thread) => (await thread.catch(() => undefined))?.stop()));
  }
}
