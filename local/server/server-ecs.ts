/**
 * The server's local ECS service (local/ecs/ecs-environment.ts) with its own load balancer thread,
 * opened when it is first needed: at once when the state directory has services (their tasks start
 * again and their listeners come back), otherwise at the first ECS call, from `deploy DIR` or from a
 * deployment's steps. A server that deploys only to hosts starts no thread for it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { EcsTaskSetsPort } from '../../functions/ports/ecs-task-sets.js';
import type { HookInvokerPort } from '../../functions/ports/hook-invoker.js';
import type { ListenersPort } from '../../functions/ports/listeners.js';
import {
  openEcsEnvironment,
  type EcsEnvironment,
  type LocalServiceListeners,
} from '../ecs/ecs-environment.js';
import { LoadBalancerThread } from '../load-balancer/thread.js';
import type { LocalRuntime } from '../runtime/runtime.js';

/** A port whose every call waits for the environment, then goes to the real one. */
function lazyPort<T extends object>(resolve: () => Promise<T>): T {
  return new Proxy({} as T, {
    get:
      (_target, method) =>
      async (...args: unknown[]) => {
        const port = await resolve();
        return (port[method as keyof T] as (...a: unknown[]) => unknown).apply(port, args);
      },
  });
}

export class ServerEcs {
  private opening?: Promise<EcsEnvironment>;
  private thread?: LoadBalancerThread;
  private environment?: EcsEnvironment;
  private runtime?: LocalRuntime;
  private closed = false;

  /** What the runtime's steps call; the environment opens at the first call. */
  readonly ports: { ecs: EcsTaskSetsPort; listeners: ListenersPort; hooks: HookInvokerPort } = {
    ecs: lazyPort(async () => (await this.open()).ecs),
    listeners: lazyPort(async () => (await this.open()).listeners),
    hooks: lazyPort(async () => (await this.open()).hooks),
  };

  constructor(
    private readonly options: {
      stateDir: string;
      onListenersChange(listeners: Record<string, LocalServiceListeners>): void;
    },
  ) {}

  /** Services an earlier process made: open now, so they serve as they did. */
  hasServices(): boolean {
    return existsSync(join(this.options.stateDir, 'ecs', 'state.json'));
  }

  /** Hooks answer through the runtime (PutLifecycleEventHookExecutionStatus). */
  connect(runtime: LocalRuntime): void {
    this.runtime = runtime;
    this.environment?.connect(runtime);
  }

  open(): Promise<EcsEnvironment> {
    if (this.closed) return Promise.reject(new Error('The local ECS service is closed.'));
    this.opening ??= (async () => {
      const thread = await LoadBalancerThread.start();
      try {
        const environment = await openEcsEnvironment({
          stateDir: this.options.stateDir,
          loadBalancer: thread,
          onListenersChange: this.options.onListenersChange,
        });
        if (this.runtime) environment.connect(this.runtime);
        this.thread = thread;
        this.environment = environment;
        return environment;
      } catch (error) {
        await thread.stop();
        this.opening = undefined;
        throw error;
      }
    })();
    return this.opening;
  }

  /** Every service's listener URLs (none until the environment is open). */
  listenersByService(): Record<string, LocalServiceListeners> {
    return this.environment?.listenersByService() ?? {};
  }

  /** Stops the tasks (the services stay for the next process) and the listeners' thread. */
  async close(): Promise<void> {
    this.closed = true;
    await this.opening?.catch(() => undefined);
    await this.environment?.close();
    await this.thread?.stop();
  }
}
