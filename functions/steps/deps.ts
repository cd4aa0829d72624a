import type { AlarmsPort } from '../ports/alarms.js';
import type { ClockPort, RandomPort } from '../ports/clock.js';
import type { DeploymentExecutionsPort } from '../ports/deployment-executions.js';
import type { DeploymentStore } from '../ports/deployment-store.js';
import type { EventsPort } from '../ports/events.js';
import type { HookInvokerPort } from '../ports/hook-invoker.js';
import type { InstanceTransportPort } from '../ports/instance-transport.js';
import type { LambdaAliasPort } from '../ports/lambda-alias.js';
import type { LoadBalancerPort } from '../ports/load-balancer.js';
import type { RevisionSourcePort } from '../ports/revision-source.js';
import type { TaskCallbacksPort } from '../ports/task-callbacks.js';

/** Tunables that differ between AWS and the embedded runtime. */
export interface StepSettings {
  /** Seconds between target-health polls while draining or registering (ELBv2 reports slowly). */
  trafficPollSeconds: number;
  /** How long an instance may take to drain or turn healthy before its event fails. */
  trafficTimeoutSeconds: number;
  /** Where instances keep CodeDeploy's deployment-root layout. */
  deploymentRoot?: string;
  /** Cap of each deployment's scripts.log on an instance (newest lines kept); default 16 MiB. */
  scriptsLogMaxBytes?: number;
  /**
   * Hook functions stepdeploy may invoke must start with this (CodeDeploy's role allows
   * `CodeDeployHook_*`); the stack grants lambda:InvokeFunction on the same prefix only.
   */
  hookFunctionPrefix?: string;
}

export const DEFAULT_SETTINGS: StepSettings = { trafficPollSeconds: 15, trafficTimeoutSeconds: 3600 };

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
  transport: InstanceTransportPort;
  loadBalancer: LoadBalancerPort;
  revisions: RevisionSourcePort;
  executions: DeploymentExecutionsPort;
  settings: StepSettings;
}
