/**
 * An ECS blue/green deployment on the embedded runtime, in compressed time: the real state machine
 * on the engine, records in an in-memory dynalite, the local ECS model with simulated tasks, simulated
 * ELBv2 listeners, the simulated Lambda service for hook functions and simulated CloudWatch alarms.
 * The service `local/web` (EXTERNAL controller, desired count 2) runs task definition web:1 in the
 * target group `blue`; the production listener forwards to blue (weight 1) and green (weight 0), and
 * so does the test listener when the group has one.
 */
import type { BlueGreenDeploymentConfiguration } from '../../../functions/domain/codedeploy-shapes.js';
import type { ForwardTarget } from '../../../functions/ports/listeners.js';
import type {
  AlarmConfiguration,
  AutoRollbackConfiguration,
  DeploymentGroupRecord,
  DeploymentRecord,
  EcsDeploymentRecord,
} from '../../../functions/ports/records.js';
import { ECS_FLOW } from '../../../functions/steps/prepare-ecs.js';
import { VirtualClock, type EngineEvent, type ExecutionOutcome } from '../../../local/engine/index.js';
import { LocalEcs } from '../../../local/ecs/local-ecs.js';
import { createLocalRuntime, type LocalRuntime } from '../../../local/runtime/runtime.js';
import { SimulatedAlarms } from '../../../local/simulated/alarms.js';
import { SimulatedListeners, SimulatedTaskRunner } from '../../../local/simulated/ecs.js';
import {
  answeringHook,
  SimulatedLambda,
  type HookAnswer,
  type HookHandler,
  type PutHookStatus,
} from '../../../local/simulated/lambda.js';

export const APPLICATION = 'shop';
export const GROUP = 'web';
export const CLUSTER = 'local';
export const SERVICE = 'web';
export const PROD_LISTENER = 'arn:aws:elasticloadbalancing:local:000000000000:listener/app/shop/1/prod';
export const TEST_LISTENER = 'arn:aws:elasticloadbalancing:local:000000000000:listener/app/shop/1/test';
export const HOOKS: Record<string, string> = {
  BeforeInstall: 'CodeDeployHook_beforeInstall',
  AfterInstall: 'CodeDeployHook_afterInstall',
  AfterAllowTestTraffic: 'CodeDeployHook_afterAllowTestTraffic',
  BeforeAllowTraffic: 'CodeDeployHook_beforeAllowTraffic',
  AfterAllowTraffic: 'CodeDeployHook_afterAllowTraffic',
};
/** Both listeners before every deployment of a fresh harness. */
export const ORIGINAL_FORWARD: ForwardTarget[] = [
  { targetGroup: 'blue', weight: 1 },
  { targetGroup: 'green', weight: 0 },
];

const START_MS = Date.UTC(2025, 0, 1, 12, 0, 0);
const IMAGE = process.cwd();

export function ecsAppSpec(
  options: { hooks?: Record<string, string>; taskDefinition?: string } = {},
): string {
  const hooks = Object.entries(options.hooks ?? HOOKS).map(([event, fn]) => `  - ${event}: ${fn}`);
  return [
    'version: 0.0',
    'Resources:',
    '  - TargetService:',
    '      Type: AWS::ECS::Service',
    '      Properties:',
    `        TaskDefinition: "${options.taskDefinition ?? 'web:2'}"`,
    '        LoadBalancerInfo:',
    '          ContainerName: web',
    '          ContainerPort: 8080',
    ...(hooks.length > 0 ? ['Hooks:', ...hooks] : []),
    '',
  ].join('\n');
}

export interface EcsDeployOptions {
  deploymentId?: string;
  config?: string;
  appSpec?: string;
  overrideAlarmConfiguration?: AlarmConfiguration;
  autoRollbackConfiguration?: AutoRollbackConfiguration;
}

export interface ListenerChange {
  atSeconds: number;
  listener: 'production' | 'test';
  /** Percent of the listener's traffic on green (the replacement of a first deployment). */
  greenPercent: number;
  targets: ForwardTarget[];
}

export interface EcsDeployResult {
  deploymentId: string;
  outcome: ExecutionOutcome;
  record: EcsDeploymentRecord | undefined;
  changes: ListenerChange[];
  events: EngineEvent[];
}

/** What a deployment may not leave changed after a rollback: listeners and task sets. */
export interface ServiceState {
  production: ForwardTarget[];
  test?: ForwardTarget[];
  taskSets: Array<{
    id: string;
    status: string;
    taskDefinition: string;
    targetGroup?: string;
    runningCount: number;
  }>;
}

export interface EcsHarness {
  clock: VirtualClock;
  ecs: LocalEcs;
  listeners: SimulatedListeners;
  lambda: SimulatedLambda;
  alarms: SimulatedAlarms;
  runtime: LocalRuntime;
  putStatus: PutHookStatus;
  answerHook(functionName: string, answer: HookAnswer, delaySeconds?: number): void;
  hookCode(functionName: string, handler: HookHandler): void;
  start(options?: EcsDeployOptions): { deploymentId: string; result: Promise<EcsDeployResult> };
  deploy(options?: EcsDeployOptions): Promise<EcsDeployResult>;
  at<T>(seconds: number, fn: () => Promise<T> | T): Promise<T>;
  settled(): Promise<void>;
  state(): Promise<ServiceState>;
  lockHolder(): Promise<string | undefined>;
  dispose(): Promise<void>;
}

const live = new Set<EcsHarness>();

export async function disposeEcsHarnesses(): Promise<void> {
  const open = [...live];
  live.clear();
  await Promise.all(open.map((harness) => harness.dispose()));
}

let counter = 0;
function nextDeploymentId(): string {
  counter += 1;
  return `d-ECS${String(counter).padStart(6, '0')}`;
}

function ecsRecord(record: DeploymentRecord | undefined): EcsDeploymentRecord | undefined {
  if (record && record.computePlatform !== 'ECS') throw new Error(`${record.deploymentId} is not ECS`);
  return record;
}

export function greenPercent(targets: readonly ForwardTarget[], replacement = 'green'): number {
  const total = targets.reduce((sum, t) => sum + t.weight, 0);
  const green = targets.filter((t) => t.targetGroup === replacement).reduce((sum, t) => sum + t.weight, 0);
  return total === 0 ? 0 : Math.round((green / total) * 10000) / 100;
}

export async function createEcsHarness(
  options: {
    testListener?: boolean;
    blueGreen?: BlueGreenDeploymentConfiguration;
    group?: Partial<DeploymentGroupRecord>;
  } = {},
): Promise<EcsHarness> {
  const clock = new VirtualClock({ startMs: START_MS });
  const lambda = new SimulatedLambda(clock);
  const alarms = new SimulatedAlarms(clock);
  const listeners = new SimulatedListeners(clock);
  const ecs = new LocalEcs({ runner: new SimulatedTaskRunner(clock), targets: listeners });
  const container = (version: string) => ({
    family: 'web',
    containers: [
      {
        name: 'web',
        image: IMAGE,
        argv: ['node', 'server.js', version],
        containerPorts: [8080],
        environment: {},
        essential: true,
      },
    ],
  });
  ecs.taskDefinitions.register(container('1'));
  ecs.taskDefinitions.register(container('2'));
  listeners.createListener(PROD_LISTENER, ORIGINAL_FORWARD);
  const testListener = options.testListener ?? true;
  if (testListener) listeners.createListener(TEST_LISTENER, ORIGINAL_FORWARD);

  const runtime = await createLocalRuntime({
    clock,
    ports: { ecs, listeners, hooks: lambda, alarms },
    settings: { trafficPollSeconds: 5, trafficTimeoutSeconds: 600 },
  });
  alarms.onStateChange((name, state) => runtime.onAlarmStateChange(name, state));
  const events: EngineEvent[] = [];
  runtime.engine.subscribe((event) => events.push(event));
  await runtime.deps.store.putDeploymentGroup({
    applicationName: APPLICATION,
    deploymentGroupName: GROUP,
    deploymentGroupId: 'dg-ecs',
    computePlatform: 'ECS',
    deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
    ecsServices: [{ clusterName: CLUSTER, serviceName: SERVICE }],
    loadBalancerInfo: {
      targetGroupPairInfoList: [
        {
          targetGroups: [{ name: 'blue' }, { name: 'green' }],
          prodTrafficRoute: { listenerArns: [PROD_LISTENER] },
          ...(testListener ? { testTrafficRoute: { listenerArns: [TEST_LISTENER] } } : {}),
        },
      ],
    },
    ...(options.blueGreen ? { blueGreenDeploymentConfiguration: options.blueGreen } : {}),
    ...options.group,
  });
  ecs.createService({
    cluster: CLUSTER,
    serviceName: SERVICE,
    desiredCount: 2,
    taskDefinition: 'web:1',
    targetGroup: 'blue',
    containerName: 'web',
    containerPort: 8080,
  });

  const putStatus: PutHookStatus = (deploymentId, hookExecutionId, status) =>
    runtime.putLifecycleEventHookExecutionStatus({
      deploymentId,
      lifecycleEventHookExecutionId: hookExecutionId,
      status,
    });
  const hookFunctions = new Set<string>();
  const hookCode = (functionName: string, handler: HookHandler): void => {
    if (!hookFunctions.has(functionName)) {
      lambda.createFunction(functionName);
      hookFunctions.add(functionName);
    }
    lambda.registerHook(functionName, handler);
  };
  const answerHook = (functionName: string, answer: HookAnswer, delaySeconds = 0): void =>
    hookCode(functionName, answeringHook(answer, putStatus, delaySeconds * 1000));
  for (const fn of Object.values(HOOKS)) answerHook(fn, 'Succeeded', 1);

  const settled = async () => {
    while (clock.busyCount > 0 || clock.pendingTimers > 0) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await settled();

  const start = (deploy: EcsDeployOptions = {}) => {
    const deploymentId = deploy.deploymentId ?? nextDeploymentId();
    const startedMs = clock.nowMs();
    const before = listeners.forwardChanges().length;
    const result = (async (): Promise<EcsDeployResult> => {
      await runtime.startDeployment(ECS_FLOW, {
        deploymentId,
        applicationName: APPLICATION,
        deploymentGroupName: GROUP,
        revision: {
          revisionType: 'AppSpecContent',
          appSpecContent: { content: deploy.appSpec ?? ecsAppSpec() },
        },
        deploymentConfigName: deploy.config ?? 'CodeDeployDefault.ECSAllAtOnce',
        ...(deploy.overrideAlarmConfiguration
          ? { overrideAlarmConfiguration: deploy.overrideAlarmConfiguration }
          : {}),
        ...(deploy.autoRollbackConfiguration
          ? { autoRollbackConfiguration: deploy.autoRollbackConfiguration }
          : {}),
      });
      const pending = runtime.outcome(deploymentId);
      if (!pending) throw new Error(`The runtime did not start ${deploymentId}`);
      const outcome = await pending;
      const changes = listeners
        .forwardChanges()
        .slice(before)
        .filter((change) => change.at.getTime() <= outcome.stoppedAtMs)
        .map((change): ListenerChange => ({
          atSeconds: (change.at.getTime() - startedMs) / 1000,
          listener: change.listenerArn === PROD_LISTENER ? 'production' : 'test',
          greenPercent: greenPercent(change.targets),
          targets: change.targets,
        }));
      return {
        deploymentId,
        outcome,
        record: ecsRecord(await runtime.deps.store.getDeployment(deploymentId)),
        changes,
        events: events.filter((event) => event.executionName === deploymentId),
      };
    })();
    return { deploymentId, result };
  };

  const harness: EcsHarness = {
    clock,
    ecs,
    listeners,
    lambda,
    alarms,
    runtime,
    putStatus,
    answerHook,
    hookCode,
    start,
    deploy: (deploy) => start(deploy).result,
    at: (seconds, fn) =>
      new Promise((resolve, reject) => {
        clock.setTimer(seconds * 1000, () => {
          void clock.track(Promise.resolve().then(fn)).then(resolve, reject);
        });
      }),
    settled,
    async state() {
      const service = await ecs.describeService(CLUSTER, SERVICE);
      return {
        production: await listeners.getForwardAction(PROD_LISTENER),
        ...(testListener ? { test: await listeners.getForwardAction(TEST_LISTENER) } : {}),
        taskSets: service.taskSets.map((t) => ({
          id: t.id,
          status: t.status,
          taskDefinition: t.taskDefinition,
          ...(t.targetGroupArn ? { targetGroup: t.targetGroupArn } : {}),
          runningCount: t.runningCount,
        })),
      };
    },
    lockHolder: () => runtime.deps.store.getGroupLockHolder(APPLICATION, GROUP),
    async dispose() {
      live.delete(harness);
      await runtime.dispose();
      clock.dispose();
    },
  };
  live.add(harness);
  return harness;
}
