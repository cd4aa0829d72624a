import type { AlarmsPort } from '../ports/alarms.js';
import type { ClockPort, RandomPort } from '../ports/clock.js';
import type { DeploymentStore } from '../ports/deployment-store.js';
import type { EventsPort } from '../ports/events.js';
import type { HookInvokerPort } from '../ports/hook-invoker.js';
import type { LambdaAliasPort } from '../ports/lambda-alias.js';
import type { TaskCallbacksPort } from '../ports/task-callbacks.js';

/** Everything a step may need; each step takes only the ports it uses (`Pick<StepDeps, ...>`). */
export interface StepDeps {
  store: DeploymentStore;
  lambda: LambdaAliasPort;
  alarms: AlarmsPort;
  hooks: HookInvokerPort;
  callbacks: TaskCallbacksPort;
  events: EventsPort;
  clock: ClockPort;
  random: RandomPort;
}
