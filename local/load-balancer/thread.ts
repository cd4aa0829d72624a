/**
 * The local load balancer on its own event loop (a worker thread), seen from the deployment's thread.
 * It is the same `LocalLoadBalancer` with the same methods, each returning a promise: the steps use
 * it through the LoadBalancerPort, tests and the demo through the rest. Without it, a deployment's
 * CPU-heavy moments (a huge AppSpec, a big bundle listing, the interpreter) stalled every request
 * the load balancer was serving.
 *
 * To use a new `LocalLoadBalancer` method from here, add its name to LOAD_BALANCER_METHODS
 * (thread-protocol.ts); `call` then offers it, typed.
 */
import type { AddressInfo } from 'node:net';
import type { Worker } from 'node:worker_threads';
import type { AlarmState, AlarmsPort } from '../../functions/ports/alarms.js';
import type { LoadBalancerPort, TargetHealthState } from '../../functions/ports/load-balancer.js';
import { startWorker } from '../threads/worker-entry.js';
import type { LocalAlarmListener } from './five-xx-alarm.js';
import type { LocalLoadBalancer, LoadBalancerMetrics } from './load-balancer.js';
import {
  deserializeError,
  type AlarmMethod,
  type LoadBalancerMethod,
  type LoadBalancerThreadData,
  type ThreadAlarmOptions,
  type ThreadMessage,
  type ThreadRequest,
} from './thread-protocol.js';
import type { TargetDescription, TargetGroupOptions } from './target-group.js';

type Remote<F> = F extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
type Request = ThreadRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export interface LoadBalancerThreadOptions {
  /** Listener port on 127.0.0.1; 0 (the default) lets the system choose. */
  port?: number;
  /** Where each instance listens. */
  targetPorts?: Record<string, number>;
  waitPollMs?: number;
  metrics?: LoadBalancerThreadData['metrics'];
}

export class LoadBalancerThread implements LoadBalancerPort {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  private readonly alarms = new Map<string, LoadBalancerAlarm>();
  private ended?: Error;

  private constructor(
    private readonly worker: Worker,
    readonly url: string,
    private readonly listening: AddressInfo,
  ) {
    worker.on('message', (message: ThreadMessage) => this.receive(message));
    const end = (error: Error) => {
      this.ended ??= error;
      for (const { reject } of this.pending.values()) reject(this.ended);
      this.pending.clear();
    };
    worker.on('error', end);
    worker.on('exit', (code) => end(new Error(`The load balancer's thread ended (exit code ${code}).`)));
  }

  /** Starts the thread and its listener on 127.0.0.1; resolves once it accepts connections. */
  static async start(options: LoadBalancerThreadOptions = {}): Promise<LoadBalancerThread> {
    const workerData: LoadBalancerThreadData = {
      port: options.port ?? 0,
      targetPorts: options.targetPorts ?? {},
      ...(options.waitPollMs !== undefined ? { waitPollMs: options.waitPollMs } : {}),
      ...(options.metrics ? { metrics: options.metrics } : {}),
    };
    const worker = startWorker(import.meta.url, './thread-worker', { workerData });
    // The thread never keeps the process alive by itself: the process' own work decides when it ends.
    worker.unref();
    const ready = await new Promise<Extract<ThreadMessage, { kind: 'ready' }>>((resolve, reject) => {
      const onMessage = (message: ThreadMessage) => {
        if (message.kind === 'ready') resolve(message);
        else if (message.kind === 'startFailed') reject(deserializeError(message.error));
        else return;
        worker.off('message', onMessage);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', (code) =>
        reject(new Error(`The load balancer's thread ended at start (exit code ${code}).`)),
      );
    }).catch(async (error: unknown) => {
      await worker.terminate();
      throw error;
    });
    return new LoadBalancerThread(worker, ready.url, ready.address as AddressInfo);
  }

  /** The listening socket's address, for checks such as "bound to 127.0.0.1 only". */
  address(): AddressInfo {
    return this.listening;
  }

  /** Any listed `LocalLoadBalancer` method, run in the load balancer's thread. */
  call<M extends LoadBalancerMethod>(
    method: M,
    ...args: Parameters<LocalLoadBalancer[M]>
  ): ReturnType<Remote<LocalLoadBalancer[M]>> {
    return this.request({ kind: 'call', method, args }) as ReturnType<Remote<LocalLoadBalancer[M]>>;
  }

  createTargetGroup(name: string, options: TargetGroupOptions = {}): Promise<void> {
    return this.call('createTargetGroup', name, options);
  }

  setForwardWeights(weights: Readonly<Record<string, number>>): Promise<void> {
    return this.call('setForwardWeights', weights);
  }

  setTargetPort(instanceId: string, port: number): Promise<void> {
    return this.call('setTargetPort', instanceId, port);
  }

  registerTargets(targetGroup: string, instanceIds: readonly string[]): Promise<void> {
    return this.call('registerTargets', targetGroup, instanceIds);
  }

  deregisterTargets(targetGroup: string, instanceIds: readonly string[]): Promise<void> {
    return this.call('deregisterTargets', targetGroup, instanceIds);
  }

  describeTargetHealth(
    targetGroup: string,
    instanceIds: readonly string[],
  ): Promise<Map<string, TargetHealthState>> {
    return this.call('describeTargetHealth', targetGroup, instanceIds);
  }

  describeTargets(targetGroup: string): Promise<TargetDescription[]> {
    return this.call('describeTargets', targetGroup);
  }

  waitForHealthy(targetGroup: string, instanceIds: readonly string[], timeoutMs: number): Promise<void> {
    return this.call('waitForHealthy', targetGroup, instanceIds, timeoutMs);
  }

  waitForDrained(targetGroup: string, instanceIds: readonly string[], timeoutMs: number): Promise<void> {
    return this.call('waitForDrained', targetGroup, instanceIds, timeoutMs);
  }

  metrics(): Promise<LoadBalancerMetrics> {
    return this.call('metrics');
  }

  /**
   * A 5xx-rate alarm evaluated in the load balancer's thread, against its live counters; it is a
   * CloudWatch alarm to the steps (AlarmsPort) and tells listeners of changes as EventBridge does.
   */
  async createAlarm(options: ThreadAlarmOptions): Promise<LoadBalancerAlarm> {
    await this.request({ kind: 'createAlarm', options });
    const alarm = new LoadBalancerAlarm(options.name, (method, args) =>
      this.request({ kind: 'alarm', name: options.name, method, args }),
    );
    this.alarms.set(options.name, alarm);
    return alarm;
  }

  /** Closes the listener and every connection, then ends the thread. Final. */
  async stop(): Promise<void> {
    if (!this.ended) await this.request({ kind: 'stop' }).catch(() => undefined);
    await this.worker.terminate();
  }

  private request(request: Request): Promise<unknown> {
    if (this.ended) return Promise.reject(this.ended);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id } as ThreadRequest);
    });
  }

  private receive(message: ThreadMessage): void {
    if (message.kind === 'alarmChange') {
      this.alarms.get(message.name)?.changed(message.newState, message.oldState);
      return;
    }
    if (message.kind !== 'result' && message.kind !== 'failure') return;
    const waiting = this.pending.get(message.id);
    if (!waiting) return;
    this.pending.delete(message.id);
    if (message.kind === 'result') waiting.resolve(message.value);
    else waiting.reject(deserializeError(message.error));
  }
}

/** A `LocalAlarm` living in the load balancer's thread, driven from this one. */
export class LoadBalancerAlarm implements AlarmsPort {
  private readonly listeners = new Set<LocalAlarmListener>();

  constructor(
    readonly name: string,
    private readonly remote: (method: AlarmMethod, args: unknown[]) => Promise<unknown>,
  ) {}

  async start(): Promise<void> {
    await this.remote('start', []);
  }

  async stop(): Promise<void> {
    await this.remote('stop', []);
  }

  async state(): Promise<AlarmState> {
    return (await this.remote('state', [])) as AlarmState;
  }

  async describeAlarms(alarmNames: readonly string[]): Promise<Map<string, AlarmState>> {
    return (await this.remote('describeAlarms', [alarmNames])) as Map<string, AlarmState>;
  }

  /** Listens to changes of state; returns the function that stops listening. */
  onStateChange(listener: LocalAlarmListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called for each change the thread reports; a listener's failure fails nothing else. */
  changed(newState: AlarmState, oldState: AlarmState): void {
    for (const listener of [...this.listeners]) {
      void Promise.resolve()
        .then(() => listener(this.name, newState, oldState))
        .catch((error: unknown) =>
          console.error(`alarm ${this.name}: a state change listener failed:`, error),
        );
    }
  }
}
