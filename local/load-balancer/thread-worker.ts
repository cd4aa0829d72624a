/**
 * The load balancer's own thread: a `LocalLoadBalancer` (and its 5xx alarms) on an event loop that
 * nothing else uses, so that CPU-heavy work of a deployment (reading a bundle, validating a huge
 * AppSpec, the interpreter, the records) never delays a proxied request or a health check. Started
 * by `LoadBalancerThread.start` (thread.ts), which it answers through `parentPort`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { LocalAlarm } from './five-xx-alarm.js';
import { LocalLoadBalancer } from './load-balancer.js';
import {
  ALARM_METHODS,
  LOAD_BALANCER_METHODS,
  serializeError,
  type LoadBalancerThreadData,
  type ThreadMessage,
  type ThreadRequest,
} from './thread-protocol.js';

const port = parentPort;
if (!port) throw new Error('thread-worker.ts runs in a worker thread started by LoadBalancerThread.');

const data = workerData as LoadBalancerThreadData;
const post = (message: ThreadMessage) => port.postMessage(message);
const loadBalancer = new LocalLoadBalancer({
  port: data.port,
  ...(data.waitPollMs !== undefined ? { waitPollMs: data.waitPollMs } : {}),
  ...(data.metrics ? { metrics: data.metrics } : {}),
});
for (const [instanceId, targetPort] of Object.entries(data.targetPorts)) {
  loadBalancer.setTargetPort(instanceId, targetPort);
}
const alarms = new Map<string, LocalAlarm>();

async function answer(request: ThreadRequest): Promise<unknown> {
  switch (request.kind) {
    case 'call': {
      if (!(LOAD_BALANCER_METHODS as readonly string[]).includes(request.method)) {
        throw new Error(`${request.method} is not a load balancer method the thread serves.`);
      }
      const method = loadBalancer[request.method] as (...args: unknown[]) => unknown;
      return method.apply(loadBalancer, request.args);
    }
    case 'createAlarm': {
      const { options } = request;
      if (alarms.has(options.name)) throw new Error(`The alarm ${options.name} exists already.`);
      const { listener, ...alarmOptions } = options;
      const source = listener === undefined ? loadBalancer : loadBalancer.listenerMetrics(listener);
      const alarm = new LocalAlarm(source, alarmOptions);
      alarm.onStateChange((name, newState, oldState) =>
        post({ kind: 'alarmChange', name, newState, oldState }),
      );
      alarms.set(options.name, alarm);
      return undefined;
    }
    case 'alarm': {
      const alarm = alarms.get(request.name);
      if (!alarm) throw new Error(`No alarm ${request.name} on this load balancer.`);
      if (!(ALARM_METHODS as readonly string[]).includes(request.method)) {
        throw new Error(`${request.method} is not an alarm method the thread serves.`);
      }
      const method = alarm[request.method] as (...args: unknown[]) => unknown;
      return method.apply(alarm, request.args);
    }
    case 'stop': {
      for (const alarm of alarms.values()) alarm.stop();
      await loadBalancer.stop();
      return undefined;
    }
  }
}

port.on('message', (request: ThreadRequest) => {
  void (async () => {
    try {
      post({ kind: 'result', id: request.id, value: await answer(request) });
    } catch (error) {
      post({ kind: 'failure', id: request.id, error: serializeError(error) });
    }
  })();
});

try {
  const url = await loadBalancer.start();
  const address = loadBalancer.address();
  if (!address) throw new Error('The load balancer has no listening address.');
  post({
    kind: 'ready',
    url,
    address: { address: address.address, family: address.family, port: address.port },
  });
} catch (error) {
  post({ kind: 'startFailed', error: serializeError(error) });
}
