import type { EcsAppSpec } from '../domain/appspec/model.js';
import {
  ElasticLoadBalancingInvalidError,
  InvalidEcsServiceError,
  InvalidRevisionError,
  MissingElbInformationError,
} from '../domain/deployment-errors.js';
import type { FlowKey } from '../domain/flows.js';
import { ecsLifecycleEvents } from '../domain/lifecycle.js';
import { trafficPlan, type TrafficStep } from '../domain/traffic-plan.js';
import {
  taskDefinitionLabel,
  type EcsServiceInfo,
  type TaskDefinitionInfo,
  type TaskSetInfo,
} from '../ports/ecs-task-sets.js';
import type { ForwardTarget } from '../ports/listeners.js';
import type {
  DeploymentGroupRecord,
  EcsDeploymentPlan,
  LifecycleEventRecord,
  RevisionLocation,
} from '../ports/records.js';
import type { TargetGroupPairRoute } from '../ports/traffic-router.js';
import { assertAlarmsQuietAndWatch } from './alarm-check.js';
import { errorMessage, errorName } from './caught-errors.js';
import { deploymentConfigOf } from './deployment-config.js';
import { defineStep, IN_PROCESS_APPSPEC_VALIDATOR, type StepDeps } from './deps.js';
import { originalTaskSetInfo, targetGroupNameOf } from './ecs-target.js';
import { withLifecycleEvent } from './lifecycle-records.js';
import { appSpecContentOf } from './prepare-lambda.js';
import { beginDeployment, type BeginDeps, type PrepareInput } from './prepare.js';

export interface PrepareEcsOutput {
  deploymentId: string;
  computePlatform: 'ECS';
  trafficSteps: TrafficStep[];
  /** The group has a test listener: AllowTestTraffic and AfterAllowTestTraffic run. */
  testListener: boolean;
  /** 0: no ready wait (CONTINUE_DEPLOYMENT); else how long ContinueDeployment READY_WAIT may take. */
  readyWaitSeconds: number;
  /** 0: the original task set is deleted at once. */
  terminationWaitSeconds: number;
  /** Seconds between two looks at the replacement task set while it starts. */
  pollSeconds: number;
}

export const ECS_FLOW = {
  computePlatform: 'ECS',
  deploymentType: 'BLUE_GREEN',
} as const satisfies FlowKey;

type PrepareEcsDeps = BeginDeps &
  Pick<
    StepDeps,
    | 'ecs'
    | 'listeners'
    | 'alarms'
    | 'alarmWatches'
    | 'settings'
    | 'revisions'
    | 'deploymentConfigs'
    | 'appSpecs'
  >;

/**
 * Prepare of the ECS blue/green flow: the common start (record, lock), then everything the
 * deployment will touch, checked live before anything moves: the AppSpec and its task definition
 * (the container and port it names), the service (EXTERNAL controller, one PRIMARY task set), the
 * target-group pair and its listeners (production on one target group of the pair, which is the
 * original; the test listener on it too), and the alarms. What it finds is recorded, so every later
 * step and retry acts on the same task definition, target groups and task sets.
 */
export function prepareEcs(deps: PrepareEcsDeps) {
  return async (input: PrepareInput): Promise<PrepareEcsOutput> => {
    const { deployments } = deps;
    const { record, group } = await beginDeployment(deps, ECS_FLOW, input);
    const appSpec = await ecsAppSpecOf(deps, await ecsAppSpecText(deps, record.revision));
    checkHookPrefix(deps.settings.hookFunctionPrefix, appSpec);
    const config = await deploymentConfigOf(deps, record.deploymentConfigName);
    if (config.computePlatform !== 'ECS') {
      throw new InvalidRevisionError(
        `The deployment configuration ${config.deploymentConfigName} is for the ${config.computePlatform} compute platform, not ECS: use a CodeDeployDefault.ECS* configuration.`,
      );
    }
    const { clusterName, serviceName } = ecsServiceOf(group);
    const pair = targetGroupPairOf(group);
    const taskDefinition = await describeTaskDefinition(deps, appSpec, record.revision);
    const service = await describeService(deps, clusterName, serviceName);
    const original = originalTaskSet(service);
    const route = await routeOf(deps, pair, original);
    const replacementTargetGroupArn = await deps.listeners.targetGroupArn(route.replacementTargetGroup);
    const blueGreen = group.blueGreenDeploymentConfiguration;
    const ready = blueGreen?.deploymentReadyOption;
    const readyWaitMinutes =
      ready?.actionOnTimeout === 'STOP_DEPLOYMENT' ? Math.max(ready.waitTimeInMinutes ?? 0, 0) : 0;
    const plan: EcsDeploymentPlan = {
      taskDefinitionArn: taskDefinition.taskDefinitionArn,
      replacementTargetGroupArn,
      ...(original.launchType ? { launchType: original.launchType } : {}),
      ...(original.platformVersion ? { platformVersion: original.platformVersion } : {}),
      ...(original.networkConfiguration ? { networkConfiguration: original.networkConfiguration } : {}),
      ...(original.capacityProviderStrategy?.length
        ? { capacityProviderStrategy: original.capacityProviderStrategy }
        : {}),
      readyWaitMinutes,
      terminationWaitMinutes: Math.max(
        blueGreen?.terminateBlueInstancesOnDeploymentSuccess?.terminationWaitTimeInMinutes ?? 0,
        0,
      ),
    };
    const now = deps.clock.now();
    const testListener = route.testTrafficRoute !== undefined;
    // Recorded before the alarm check, so that a deployment an alarm stops at once still reports its
    // target and events (Skipped), as CodeDeploy does.
    const recorded = await deployments.updateDeployment(record.deploymentId, {
      appSpec,
      ecsRoute: route,
      ecsPlan: plan,
      ecsTarget: {
        targetId: `${clusterName}:${serviceName}`,
        targetArn: service.serviceArn,
        clusterName,
        serviceName,
        status: 'InProgress',
        lastUpdatedAt: now.toISOString(),
        taskSetsInfo: [originalTaskSetInfo(original, route.originalTargetGroup, testListener)],
      },
      lifecycleEvents: record.lifecycleEvents?.length
        ? record.lifecycleEvents
        : ecsLifecycleEvents(testListener).map((name): LifecycleEventRecord => ({
            lifecycleEventName: name,
            status: 'Pending',
          })),
    });
    await assertAlarmsQuietAndWatch(deps, record);
    await deployments.updateDeployment(record.deploymentId, {
      lifecycleEvents: withLifecycleEvent(recorded, 'Start', 'Succeeded', now).map((e) =>
        e.lifecycleEventName === 'Start' ? { ...e, startTime: e.startTime ?? now.toISOString() } : e,
      ),
    });
    return {
      deploymentId: record.deploymentId,
      computePlatform: 'ECS',
      trafficSteps: trafficPlan(config),
      testListener,
      readyWaitSeconds: readyWaitMinutes * 60,
      terminationWaitSeconds: plan.terminationWaitMinutes * 60,
      pollSeconds: deps.settings.trafficPollSeconds,
    };
  };
}

/** The AppSpec's text: as content, an S3 YAML/JSON object, or (this machine) a Local AppSpec file. */
async function ecsAppSpecText(deps: Pick<StepDeps, 'revisions'>, revision: RevisionLocation) {
  return appSpecContentOf(deps, revision);
}

async function ecsAppSpecOf(deps: Pick<StepDeps, 'appSpecs'>, text: string): Promise<EcsAppSpec> {
  const verdict = await (deps.appSpecs ?? IN_PROCESS_APPSPEC_VALIDATOR).validate(text, { platform: 'ecs' });
  if (!verdict.valid || verdict.appSpec?.platform !== 'ecs') {
    const details = verdict.errors.map((e) => `${e.path || '(document)'}: ${e.message}`).join('; ');
    throw new InvalidRevisionError(`The AppSpec file is invalid: ${details}`);
  }
  return verdict.appSpec;
}

function checkHookPrefix(prefix: string | undefined, appSpec: EcsAppSpec): void {
  const refused = prefix ? appSpec.hooks.filter((hook) => !hook.functionName.startsWith(prefix)) : [];
  if (refused.length > 0) {
    throw new InvalidRevisionError(
      `stepdeploy may only invoke hook functions whose names start with ${prefix}: rename ${refused.map((h) => `${h.functionName} (${h.event})`).join(', ')}, or change the stack's hook prefix.`,
    );
  }
}

function ecsServiceOf(group: DeploymentGroupRecord): { clusterName: string; serviceName: string } {
  const services = group.ecsServices ?? [];
  const service = services[0];
  if (services.length !== 1 || !service?.clusterName || !service.serviceName) {
    throw new InvalidEcsServiceError(
      `The deployment group ${group.applicationName}/${group.deploymentGroupName} must name exactly one ECS service (ecsServices: [{ serviceName, clusterName }]); it names ${services.length}.`,
    );
  }
  return { clusterName: service.clusterName, serviceName: service.serviceName };
}

interface TargetGroupPair {
  targetGroups: [string, string];
  production: string;
  test?: string;
}

function targetGroupPairOf(group: DeploymentGroupRecord): TargetGroupPair {
  const where = `The deployment group ${group.applicationName}/${group.deploymentGroupName}`;
  const pairs = group.loadBalancerInfo?.targetGroupPairInfoList ?? [];
  const pair = pairs[0];
  const names = (pair?.targetGroups ?? []).map((info) => info.name ?? '');
  if (
    pairs.length !== 1 ||
    names.length !== 2 ||
    names.some((name) => name === '') ||
    names[0] === names[1]
  ) {
    throw new MissingElbInformationError(
      `${where} needs loadBalancerInfo.targetGroupPairInfoList with one pair of two different target groups (the original's and the replacement's).`,
    );
  }
  const production = pair?.prodTrafficRoute?.listenerArns ?? [];
  const test = pair?.testTrafficRoute?.listenerArns ?? [];
  if (production.length !== 1 || test.length > 1) {
    throw new MissingElbInformationError(
      `${where} needs exactly one production listener (prodTrafficRoute.listenerArns) and at most one test listener; it has ${production.length} and ${test.length}.`,
    );
  }
  return {
    targetGroups: [names[0]!, names[1]!],
    production: production[0]!,
    ...(test[0] ? { test: test[0] } : {}),
  };
}

async function describeTaskDefinition(
  deps: Pick<StepDeps, 'ecs'>,
  appSpec: EcsAppSpec,
  revision: RevisionLocation,
): Promise<TaskDefinitionInfo> {
  const reference = appSpec.taskDefinition;
  if (/\.json$/i.test(reference) && revision.localDirectory === undefined) {
    throw new InvalidRevisionError(
      `TaskDefinition ${reference} is a task-definition file, which only a revision read on this machine may name: register it (aws ecs register-task-definition; locally, stepdeploy deploy DIR registers the file and deploys its ARN) and give its ARN.`,
    );
  }
  let definition: TaskDefinitionInfo;
  try {
    definition = await deps.ecs.describeTaskDefinition(reference, revision);
  } catch (error) {
    if (errorName(error) === 'ThrottlingError') throw error;
    throw new InvalidRevisionError(`The task definition ${reference} cannot be used: ${errorMessage(error)}`);
  }
  const container = definition.containers.find((c) => c.name === appSpec.containerName);
  const label = taskDefinitionLabel(definition.taskDefinitionArn);
  if (!container) {
    throw new InvalidRevisionError(
      `The task definition ${label} has no container ${appSpec.containerName} (LoadBalancerInfo.ContainerName); its containers: ${definition.containers.map((c) => c.name).join(', ') || 'none'}.`,
    );
  }
  if (!container.containerPorts.includes(appSpec.containerPort)) {
    throw new InvalidRevisionError(
      `The container ${container.name} of ${label} maps no port ${appSpec.containerPort} (LoadBalancerInfo.ContainerPort); its ports: ${container.containerPorts.join(', ') || 'none'}.`,
    );
  }
  return definition;
}

async function describeService(
  deps: Pick<StepDeps, 'ecs'>,
  clusterName: string,
  serviceName: string,
): Promise<EcsServiceInfo> {
  let service: EcsServiceInfo;
  try {
    service = await deps.ecs.describeService(clusterName, serviceName);
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundError') {
      throw new InvalidEcsServiceError(
        `The ECS service ${serviceName} does not exist in the cluster ${clusterName}: create it with the EXTERNAL deployment controller and its first task set.`,
      );
    }
    throw error;
  }
  if (service.status !== 'ACTIVE') {
    throw new InvalidEcsServiceError(`The ECS service ${serviceName} is ${service.status}, not ACTIVE.`);
  }
  if (service.deploymentController !== 'EXTERNAL') {
    throw new InvalidEcsServiceError(
      `The ECS service ${serviceName} uses the ${service.deploymentController} deployment controller; stepdeploy deploys services whose deploymentController is EXTERNAL (create the service with --deployment-controller type=EXTERNAL).`,
    );
  }
  return service;
}

function originalTaskSet(service: EcsServiceInfo): TaskSetInfo {
  const primary = service.taskSets.filter((taskSet) => taskSet.status === 'PRIMARY');
  const others = service.taskSets.filter((taskSet) => taskSet.status !== 'PRIMARY');
  if (primary.length !== 1) {
    throw new InvalidEcsServiceError(
      `The ECS service ${service.serviceName} has no PRIMARY task set: create its first task set and make it primary before deploying.`,
    );
  }
  if (others.length > 0) {
    throw new InvalidEcsServiceError(
      `The ECS service ${service.serviceName} has task sets besides its primary one (${others.map((t) => `${t.id}${t.externalId ? ` of ${t.externalId}` : ''}, ${t.status}`).join('; ')}): a deployment left its replacement. Delete it (aws ecs delete-task-set), then deploy again.`,
    );
  }
  return primary[0]!;
}

/**
 * Which of the pair is the original: the one production forwards to. Anything else on the listeners
 * (a third target group, weights on both, a test listener elsewhere) is refused by name, so the
 * deployment never shifts on top of routing it did not make.
 */
async function routeOf(
  deps: Pick<StepDeps, 'listeners'>,
  pair: TargetGroupPair,
  original: TaskSetInfo,
): Promise<TargetGroupPairRoute> {
  const production = await deps.listeners.getForwardAction(pair.production);
  const serving = servingTargetGroups(production);
  const [first, second] = pair.targetGroups;
  const describe = (targets: ForwardTarget[]) =>
    targets.map((t) => `${t.targetGroup} (weight ${t.weight})`).join(', ') || 'nothing';
  const foreign = serving.filter((name) => name !== first && name !== second);
  if (foreign.length > 0 || serving.length !== 1) {
    const why =
      foreign.length > 0
        ? `forwards to ${foreign.join(', ')}, outside the pair ${first}/${second}`
        : serving.length === 0
          ? 'forwards to no target group with a weight above 0'
          : 'forwards to both target groups of the pair (a stopped deployment left it mid-shift)';
    throw new ElasticLoadBalancingInvalidError(
      `The production listener ${pair.production} ${why}: ${describe(production)}. Point it at one target group of the pair, weight 1 (the one the primary task set is in), then deploy again.`,
    );
  }
  const originalTargetGroup = serving[0]!;
  const replacementTargetGroup = originalTargetGroup === first ? second : first;
  const primaryGroup = original.targetGroupArn ? targetGroupNameOf(original.targetGroupArn) : undefined;
  if (primaryGroup !== undefined && primaryGroup !== originalTargetGroup) {
    throw new InvalidEcsServiceError(
      `The primary task set ${original.id} is in the target group ${primaryGroup}, but production forwards to ${originalTargetGroup}: point the production listener at ${primaryGroup}, then deploy again.`,
    );
  }
  const originalForwardActions: Record<string, ForwardTarget[]> = { [pair.production]: production };
  if (pair.test) {
    const testAction = await deps.listeners.getForwardAction(pair.test);
    originalForwardActions[pair.test] = testAction;
    const test = servingTargetGroups(testAction);
    if (test.length !== 1 || test[0] !== originalTargetGroup) {
      throw new ElasticLoadBalancingInvalidError(
        `The test listener ${pair.test} must forward to the original target group ${originalTargetGroup} only before a deployment; it forwards to ${test.join(', ') || 'nothing'}.`,
      );
    }
  }
  return {
    kind: 'TargetGroupPair',
    originalTargetGroup,
    replacementTargetGroup,
    prodTrafficRoute: { listenerArns: [pair.production] },
    ...(pair.test ? { testTrafficRoute: { listenerArns: [pair.test] } } : {}),
    replacementWeights: { production: 0, ...(pair.test ? { test: 0 } : {}) },
    originalForwardActions,
  };
}

function servingTargetGroups(targets: readonly ForwardTarget[]): string[] {
  return [...new Set(targets.filter((t) => t.weight > 0).map((t) => t.targetGroup))];
}

/** The ECS flow's Prepare Task: `${PrepareEcsFunctionArn}`. */
export const PrepareEcs = defineStep('PrepareEcs', prepareEcs, { memoryMiB: 1024 })([
  'deployments',
  'executionNames',
  'groups',
  'groupLocks',
  'events',
  'ecs',
  'listeners',
  'alarms',
  'alarmWatches',
  'revisions',
  'deploymentConfigs',
]);
