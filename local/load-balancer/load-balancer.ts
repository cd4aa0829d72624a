/**
 * The embedded runtime's load balancer: a real HTTP reverse proxy on 127.0.0.1 in front of the local
 * hosts, implementing the LoadBalancerPort with ELBv2's target life cycle (initial -> healthy /
 * unhealthy -> draining -> unused). BlockTraffic and AllowTraffic drive it through the port and wait
 * with `waitForDrained` / `waitForHealthy`, where the AWS adapter uses ELBv2's waiters.
 *
 * What ALB does and this does too: routes only to healthy targets, but fails open (routes to every
 * failed target) when none is healthy; round-robin; connection draining bounded by the deregistration
 * delay; no retries (an unreachable target is a 502); 503 when a target group has nothing to route to.
 * Besides its first listener it serves named listeners (`createListener`), each on its own port with
 * its own weighted forward action drawn at random as ALB does: the production and test listeners of
 * local ECS services.
 * What it does not do: HTTPS, WebSocket upgrades, listener rules beyond one weighted forward action
 * per listener, stickiness, slow start, idle timeouts.
 */
import { Agent, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LoadBalancerPort, TargetHealthState } from '../../functions/ports/load-balancer.js';
import {
  duplicateTargetGroup,
  invalidConfiguration,
  invalidTarget,
  listenerNotFound,
  LoadBalancerStoppedError,
  targetGroupNotFound,
  TargetHealthWaitTimeoutError,
} from './errors.js';
import { ForwardAction } from './forward-action.js';
import type { FiveXxSource } from './five-xx-alarm.js';
import {
  TrafficMetrics,
  type LoadBalancerMetrics,
  type RequestOutcome,
  type TrafficMetricsOptions,
} from './metrics.js';
import { answerError, forward } from './proxy.js';
import { TargetGroup, type TargetDescription, type TargetGroupOptions } from './target-group.js';

export type { LoadBalancerMetrics, TargetMetrics, TimeSeriesPoint, StatusCounts } from './metrics.js';
export type { TargetDescription, TargetGroupOptions, TargetHealthReason } from './target-group.js';

export interface LocalLoadBalancerOptions {
  /** Listener port on 127.0.0.1; 0 (the default) lets the system choose. */
  port?: number;
  /** Where an instance listens, for instances without `setTargetPort`. */
  resolvePort?: (instanceId: string) => number | undefined;
  metrics?: TrafficMetricsOptions;
  /** How often the waiters look at the targets' states (an in-memory read). Default 25 ms. */
  waitPollMs?: number;
}

/**
 * Shorter than Node's default server keep-alive timeout (5 s), so an idle connection to a target is
 * dropped by us before the target closes it under a request we are sending (which would be a 502).
 */
const UPSTREAM_IDLE_SOCKET_MS = 4000;

/** A named listener as `describeListener` reports it: where it listens and how it forwards. */
export interface ListenerDescription {
  name: string;
  url: string;
  port: number;
  /** Target group -> weight (0-999). */
  forward: Record<string, number>;
}

interface NamedListener {
  name: string;
  server: Server;
  port: number;
  forwardAction: ForwardAction;
  /** This listener's own traffic (also counted in the load balancer's), for an alarm on it alone. */
  metrics: TrafficMetrics;
}

export class LocalLoadBalancer implements LoadBalancerPort, FiveXxSource {
  private readonly groups = new Map<string, TargetGroup>();
  private readonly ports = new Map<string, number>();
  private readonly forwardAction = new ForwardAction();
  private readonly listeners = new Map<string, NamedListener>();
  /** False until `setForwardWeights`: the listener then forwards to the first group, like a default action. */
  private weighted = false;
  private readonly metricsStore: TrafficMetrics;
  private readonly upstreamAgent = new Agent({ keepAlive: true, timeout: UPSTREAM_IDLE_SOCKET_MS });
  private readonly waitPollMs: number;
  private server?: Server;
  private listenerPort = 0;
  private stopped = false;

  constructor(private readonly options: LocalLoadBalancerOptions = {}) {
    this.metricsStore = new TrafficMetrics(options.metrics);
    this.waitPollMs = options.waitPollMs ?? 25;
  }

  /** Listens on 127.0.0.1 only (the local hosts are not meant to be reachable from the network). */
  async start(): Promise<string> {
    if (this.stopped) throw new LoadBalancerStoppedError('The load balancer was stopped; create a new one');
    if (this.server) throw new Error('The load balancer is already started');
    const server = createServer((req, res) => this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.listenerPort = (server.address() as AddressInfo).port;
    return this.url;
  }

  get url(): string {
    if (!this.server) throw new Error('The load balancer is not started');
    return `http://127.0.0.1:${this.listenerPort}`;
  }

  /** The listening socket's address, for checks such as "bound to 127.0.0.1 only". */
  address(): AddressInfo | undefined {
    const address = this.server?.address();
    return address && typeof address === 'object' ? address : undefined;
  }

  /**
   * Closes everything so the process can exit: the listener, client connections (idle keep-alive and
   * in-flight alike), connections to targets, health checks and draining timers. Final.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const group of this.groups.values()) group.close();
    await Promise.all([...this.listeners.values()].map((listener) => closeServer(listener.server)));
    this.listeners.clear();
    const server = this.server;
    // Clients first: a request in flight ends as a reset connection, not as a 502 from a half-stopped LB.
    const closed = server?.listening
      ? new Promise<void>((resolve) => server.close(() => resolve()))
      : undefined;
    server?.closeAllConnections();
    this.upstreamAgent.destroy();
    await closed;
  }

  createTargetGroup(name: string, options: TargetGroupOptions = {}): void {
    this.assertRunning();
    if (this.groups.has(name)) throw duplicateTargetGroup(name);
    this.groups.set(name, new TargetGroup(name, options, (id) => this.portOf(id)));
  }

  /**
   * Makes the listener a weighted forward action over these groups (ALB: 1-5 groups, weights 0-999),
   * e.g. `{ blue: 9, green: 1 }`. Until this is called the listener forwards to the first group created.
   */
  setForwardWeights(weights: Readonly<Record<string, number>>): void {
    const entries = new Map(Object.entries(weights));
    for (const name of entries.keys()) this.group('ModifyListener', name);
    this.forwardAction.set(entries);
    this.weighted = true;
  }

  /**
   * A listener of its own on 127.0.0.1 (`port` 0: a free one), forwarding by weight over target groups
   * that exist, each request's group drawn at random in proportion to the weights (as ALB does).
   */
  async createListener(
    name: string,
    options: { port?: number; forward: Readonly<Record<string, number>> },
  ): Promise<ListenerDescription> {
    this.assertRunning();
    if (this.listeners.has(name))
      throw invalidConfiguration('CreateListener', name, 'a listener of this name exists');
    const forwardAction = new ForwardAction({ random: Math.random });
    forwardAction.set(this.checkedWeights('CreateListener', options.forward));
    const listener: NamedListener = {
      name,
      server: createServer(),
      port: 0,
      forwardAction,
      metrics: new TrafficMetrics(this.options.metrics),
    };
    listener.server.on('request', (req: IncomingMessage, res: ServerResponse) =>
      this.route(req, res, listener.forwardAction.next(), listener.port, listener.metrics),
    );
    await new Promise<void>((resolve, reject) => {
      listener.server.once('error', reject);
      listener.server.listen(options.port ?? 0, '127.0.0.1', () => {
        listener.server.off('error', reject);
        resolve();
      });
    });
    listener.port = (listener.server.address() as AddressInfo).port;
    this.listeners.set(name, listener);
    return this.describeListener(name);
  }

  describeListener(name: string): ListenerDescription {
    const listener = this.listener('DescribeListeners', name);
    return {
      name,
      url: `http://127.0.0.1:${listener.port}`,
      port: listener.port,
      forward: Object.fromEntries(listener.forwardAction.get()),
    };
  }

  describeListeners(): ListenerDescription[] {
    return [...this.listeners.keys()].map((name) => this.describeListener(name));
  }

  /** Replaces a named listener's forward action (ModifyListener); the next request follows it. */
  modifyListener(name: string, forward: Readonly<Record<string, number>>): void {
    const listener = this.listener('ModifyListener', name);
    listener.forwardAction.set(this.checkedWeights('ModifyListener', forward));
  }

  async deleteListener(name: string): Promise<void> {
    const listener = this.listener('DeleteListener', name);
    this.listeners.delete(name);
    await closeServer(listener.server);
  }

  setTargetPort(instanceId: string, port: number): void {
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new RangeError(`Invalid port ${port} for ${instanceId}`);
    this.ports.set(instanceId, port);
  }

  async registerTargets(targetGroup: string, instanceIds: readonly string[]): Promise<void> {
    this.assertRunning();
    const group = this.group('RegisterTargets', targetGroup);
    // All or nothing, as ELBv2 validates the whole request before registering any target.
    const unknown = instanceIds.filter((id) => this.portOf(id) === undefined);
    if (unknown.length > 0) throw invalidTarget('RegisterTargets', targetGroup, unknown);
    for (const id of instanceIds) group.register(id);
  }

  async deregisterTargets(targetGroup: string, instanceIds: readonly string[]): Promise<void> {
    const group = this.group('DeregisterTargets', targetGroup);
    for (const id of instanceIds) group.deregister(id);
  }

  async describeTargetHealth(
    targetGroup: string,
    instanceIds: readonly string[],
  ): Promise<Map<string, TargetHealthState>> {
    return this.statesOf(this.group('DescribeTargetHealth', targetGroup), instanceIds);
  }

  /** Every registered target with ELBv2's reason code and its in-flight count, for logs and the demo. */
  describeTargets(targetGroup: string): TargetDescription[] {
    return this.group('DescribeTargetHealth', targetGroup).describe();
  }

  /** Resolves when every target is `healthy` (AllowTraffic); like ELBv2's TargetInService waiter. */
  waitForHealthy(targetGroup: string, instanceIds: readonly string[], timeoutMs: number): Promise<void> {
    return this.waitFor(targetGroup, instanceIds, 'healthy', timeoutMs);
  }

  /** Resolves when every target is `unused`, i.e. drained (BlockTraffic); like the TargetDeregistered waiter. */
  waitForDrained(targetGroup: string, instanceIds: readonly string[], timeoutMs: number): Promise<void> {
    return this.waitFor(targetGroup, instanceIds, 'unused', timeoutMs);
  }

  metrics(): LoadBalancerMetrics {
    return this.metricsStore.snapshot();
  }

  fiveXxRate(windowMs: number): number {
    return this.metricsStore.fiveXxRate(windowMs);
  }

  requestCount(windowMs: number): number {
    return this.metricsStore.window(windowMs).requests;
  }

  /** A named listener's own traffic, as an alarm on it sees it (a production listener's 5xx rate). */
  listenerMetrics(name: string): FiveXxSource {
    const { metrics } = this.listener('DescribeListeners', name);
    return {
      fiveXxRate: (windowMs) => metrics.fiveXxRate(windowMs),
      requestCount: (windowMs) => metrics.window(windowMs).requests,
    };
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const groupName = this.weighted ? this.forwardAction.next() : this.groups.keys().next().value;
    this.route(req, res, groupName, this.listenerPort);
  }

  /** Sends one request to a target of the chosen group (503 when it has none). */
  private route(
    req: IncomingMessage,
    res: ServerResponse,
    groupName: string | undefined,
    listenerPort: number,
    listenerMetrics?: TrafficMetrics,
  ): void {
    const record = (outcome: RequestOutcome) => {
      this.metricsStore.record(outcome);
      listenerMetrics?.record(outcome);
    };
    const group = groupName === undefined ? undefined : this.groups.get(groupName);
    const lease = group?.acquire();
    if (!group || !lease) {
      answerError(res, 503);
      record({ status: 503, generatedByLoadBalancer: true, targetConnectionError: false });
      return;
    }
    const port = group.port(lease.instanceId);
    if (port === undefined) {
      // The host lost its port after registration: to the client that is an unreachable target.
      lease.release();
      answerError(res, 502);
      record({
        targetGroup: group.name,
        instanceId: lease.instanceId,
        status: 502,
        generatedByLoadBalancer: true,
        targetConnectionError: true,
      });
      return;
    }
    forward({
      req,
      res,
      port,
      agent: this.upstreamAgent,
      listenerPort,
      lease,
      onEnd: (outcome) => record({ ...outcome, targetGroup: group.name, instanceId: lease.instanceId }),
    });
  }

  private async waitFor(
    targetGroup: string,
    instanceIds: readonly string[],
    awaited: TargetHealthState,
    timeoutMs: number,
  ): Promise<void> {
    const group = this.group('DescribeTargetHealth', targetGroup);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = this.statesOf(group, instanceIds);
      if ([...states.values()].every((state) => state === awaited)) return;
      if (Date.now() >= deadline)
        throw new TargetHealthWaitTimeoutError(targetGroup, awaited, states, timeoutMs);
      await sleep(Math.min(this.waitPollMs, Math.max(0, deadline - Date.now())));
    }
  }

  private statesOf(group: TargetGroup, instanceIds: readonly string[]): Map<string, TargetHealthState> {
    return new Map(instanceIds.map((id) => [id, group.state(id)]));
  }

  private checkedWeights(operation: string, forward: Readonly<Record<string, number>>): Map<string, number> {
    const entries = new Map(Object.entries(forward));
    for (const name of entries.keys()) this.group(operation, name);
    return entries;
  }

  private listener(operation: string, name: string): NamedListener {
    const listener = this.listeners.get(name);
    if (!listener) throw listenerNotFound(operation, name);
    return listener;
  }

  private group(operation: string, name: string): TargetGroup {
    const group = this.groups.get(name);
    if (!group) throw targetGroupNotFound(operation, name);
    return group;
  }

  private portOf(instanceId: string): number | undefined {
    return this.ports.get(instanceId) ?? this.options.resolvePort?.(instanceId);
  }

  /** Health checks started after `stop()` would keep the process alive; refuse instead. */
  private assertRunning(): void {
    if (this.stopped) throw new LoadBalancerStoppedError('The load balancer was stopped; create a new one');
  }
}

function closeServer(server: Server): Promise<void> {
  const closed = server.listening ? new Promise<void>((resolve) => server.close(() => resolve())) : undefined;
  server.closeAllConnections();
  return closed ?? Promise.resolve();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
