/**
 * Deployment records as CodeDeploy's API reports them: DeploymentInfo, DeploymentTarget (instance,
 * Lambda and ECS targets) and the older InstanceSummary. Every value is one of CodeDeploy's enums,
 * timestamps are epoch seconds, and members CodeDeploy always reports are present with its defaults.
 */
import { createHash } from 'node:crypto';
import type {
  DeploymentInfo,
  DeploymentOverview,
  DeploymentTarget,
  InstanceSummary,
  LastDeploymentInfo,
  LifecycleEvent,
  RevisionLocation as ApiRevisionLocation,
} from '../domain/codedeploy-shapes.js';
import { emptyOverview, type DeploymentStatus, type TargetStatus } from '../domain/status.js';
import type { DeploymentStore } from '../ports/deployment-store.js';
import type {
  DeploymentRecord,
  InstanceTargetRecord,
  LifecycleEventRecord,
  RevisionLocation,
} from '../ports/records.js';
import type { ControlPlane } from './control-plane.js';

/** Epoch seconds, as the JSON protocol's timestamps are. */
function seconds(iso: string | undefined): number | undefined {
  return iso ? Date.parse(iso) / 1000 : undefined;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * A revision as GetDeployment reports it: "the content property of the appSpecContent object in the
 * returned revision is always null" (its sha256 names it; GetApplicationRevision has the content).
 */
export function apiRevision(revision: RevisionLocation): ApiRevisionLocation {
  const withoutContent = (content: { content: string; sha256?: string }) => ({
    sha256: content.sha256 ?? sha256(content.content),
  });
  return {
    revisionType: revision.revisionType,
    ...(revision.s3Location ? { s3Location: { ...revision.s3Location } } : {}),
    ...(revision.gitHubLocation ? { gitHubLocation: { ...revision.gitHubLocation } } : {}),
    ...(revision.string ? { string: withoutContent(revision.string) } : {}),
    ...(revision.appSpecContent ? { appSpecContent: withoutContent(revision.appSpecContent) } : {}),
  };
}

/** A Lambda or ECS deployment has one target (the function's alias, the service): its status. */
export function singleTargetStatus(status: DeploymentStatus): TargetStatus {
  switch (status) {
    case 'Created':
    case 'Queued':
      return 'Pending';
    case 'Succeeded':
      return 'Succeeded';
    case 'Failed':
    case 'Stopped':
      return 'Failed';
    case 'Ready':
      return 'Ready';
    default:
      return 'InProgress';
  }
}

/** Server deployments count their instance targets (the store keeps the counters); Lambda and ECS have one. */
function overviewOf(record: DeploymentRecord): Required<DeploymentOverview> {
  if (record.computePlatform === 'Server') return { ...emptyOverview(), ...record.deploymentOverview };
  return { ...emptyOverview(), [singleTargetStatus(record.status)]: 1 };
}

export function deploymentInfo(record: DeploymentRecord): DeploymentInfo {
  return {
    applicationName: record.applicationName,
    deploymentGroupName: record.deploymentGroupName,
    deploymentConfigName: record.deploymentConfigName,
    deploymentId: record.deploymentId,
    ...(record.previousRevision ? { previousRevision: apiRevision(record.previousRevision) } : {}),
    revision: apiRevision(record.revision),
    status: record.status,
    ...(record.errorInformation
      ? { errorInformation: { code: record.errorInformation.code, message: record.errorInformation.message } }
      : {}),
    createTime: seconds(record.createTime)!,
    ...(record.startTime ? { startTime: seconds(record.startTime) } : {}),
    ...(record.completeTime ? { completeTime: seconds(record.completeTime) } : {}),
    deploymentOverview: overviewOf(record),
    ...(record.description ? { description: record.description } : {}),
    creator: record.creator,
    ignoreApplicationStopFailures: record.ignoreApplicationStopFailures ?? false,
    ...(record.autoRollbackConfiguration
      ? {
          autoRollbackConfiguration: {
            enabled: record.autoRollbackConfiguration.enabled,
            events: record.autoRollbackConfiguration.events,
          },
        }
      : {}),
    updateOutdatedInstancesOnly: record.updateOutdatedInstancesOnly ?? false,
    ...(record.rollbackInfo ? { rollbackInfo: { ...record.rollbackInfo } } : {}),
    ...(record.deploymentStyle ? { deploymentStyle: { ...record.deploymentStyle } } : {}),
    ...(record.targetInstances ? { targetInstances: record.targetInstances } : {}),
    instanceTerminationWaitTimeStarted: record.instanceTerminationWaitTimeStarted ?? false,
    ...(record.blueGreenDeploymentConfiguration
      ? { blueGreenDeploymentConfiguration: record.blueGreenDeploymentConfiguration }
      : {}),
    ...(record.loadBalancerInfo ? { loadBalancerInfo: record.loadBalancerInfo } : {}),
    // CodeDeploy's default when a deployment names none (reference §5.2).
    ...(record.computePlatform === 'Server'
      ? { fileExistsBehavior: record.fileExistsBehavior ?? 'DISALLOW' }
      : {}),
    deploymentStatusMessages: record.deploymentStatusMessages ?? [],
    computePlatform: record.computePlatform,
    ...(record.externalId ? { externalId: record.externalId } : {}),
    ...(record.overrideAlarmConfiguration
      ? {
          overrideAlarmConfiguration: {
            enabled: record.overrideAlarmConfiguration.enabled,
            ignorePollAlarmFailure: record.overrideAlarmConfiguration.ignorePollAlarmFailure,
            alarms: record.overrideAlarmConfiguration.alarms.map((alarm) => ({ name: alarm.name })),
          },
        }
      : {}),
  };
}

function lifecycleEvent(event: LifecycleEventRecord): LifecycleEvent {
  return {
    lifecycleEventName: event.lifecycleEventName,
    status: event.status,
    ...(event.startTime ? { startTime: seconds(event.startTime) } : {}),
    ...(event.endTime ? { endTime: seconds(event.endTime) } : {}),
    ...(event.diagnostics
      ? {
          diagnostics: {
            errorCode: event.diagnostics.errorCode,
            ...(event.diagnostics.scriptName ? { scriptName: event.diagnostics.scriptName } : {}),
            message: event.diagnostics.message,
            logTail: event.diagnostics.logTail ?? '',
          },
        }
      : {}),
  };
}

export function instanceTarget(target: InstanceTargetRecord): DeploymentTarget {
  return {
    deploymentTargetType: 'InstanceTarget',
    instanceTarget: {
      deploymentId: target.deploymentId,
      targetId: target.targetId,
      ...(target.targetArn ? { targetArn: target.targetArn } : {}),
      status: target.status,
      lastUpdatedAt: seconds(target.lastUpdatedAt),
      lifecycleEvents: target.lifecycleEvents.map(lifecycleEvent),
      ...(target.instanceLabel ? { instanceLabel: target.instanceLabel } : {}),
    },
  };
}

export function instanceSummary(target: InstanceTargetRecord): InstanceSummary {
  return {
    deploymentId: target.deploymentId,
    instanceId: target.targetArn ?? target.targetId,
    status: target.status,
    lastUpdatedAt: seconds(target.lastUpdatedAt),
    lifecycleEvents: target.lifecycleEvents.map(lifecycleEvent),
    ...(target.instanceLabel ? { instanceType: target.instanceLabel } : {}),
  };
}

/** When the one target of a Lambda or ECS deployment last changed: its latest event, or the deployment's. */
function lastUpdate(record: DeploymentRecord): number | undefined {
  const times = (record.lifecycleEvents ?? [])
    .flatMap((event) => [event.startTime, event.endTime])
    .filter((time): time is string => time !== undefined);
  const latest = [...times, record.completeTime, record.startTime, record.createTime]
    .filter((time): time is string => time !== undefined)
    .sort()
    .at(-1);
  return seconds(latest);
}

/**
 * The id of the one target of a Lambda deployment (`<function>:<alias>`) or an ECS deployment
 * (`<cluster>:<service>`), once its flow has recorded it (Prepare).
 */
export function singleTargetId(record: DeploymentRecord): string | undefined {
  if (record.computePlatform === 'Lambda' && record.lambdaTarget) {
    return `${record.lambdaTarget.functionName}:${record.lambdaTarget.functionAlias}`;
  }
  if (record.computePlatform === 'ECS' && record.ecsTarget) {
    return `${record.ecsTarget.clusterName}:${record.ecsTarget.serviceName}`;
  }
  return undefined;
}

/** The DeploymentTarget of a Lambda or ECS deployment, read from its record. */
export function singleTarget(record: DeploymentRecord): DeploymentTarget | undefined {
  const targetId = singleTargetId(record);
  if (targetId === undefined) return undefined;
  const common = {
    deploymentId: record.deploymentId,
    targetId,
    status: singleTargetStatus(record.status),
    lastUpdatedAt: lastUpdate(record),
    lifecycleEvents: (record.lifecycleEvents ?? []).map(lifecycleEvent),
  };
  if (record.computePlatform === 'Lambda' && record.lambdaTarget) {
    const target = record.lambdaTarget;
    return {
      deploymentTargetType: 'LambdaTarget',
      lambdaTarget: {
        ...common,
        lambdaFunctionInfo: {
          functionName: target.functionName,
          functionAlias: target.functionAlias,
          currentVersion: target.currentVersion,
          targetVersion: target.targetVersion,
          // The share of traffic as the alias' routing config states it, 0..1 [unverified: the model
          // calls it a percentage; deployments observed in CodeDeploy report 1.0 when done].
          targetVersionWeight: target.targetVersionWeight,
        },
      },
    };
  }
  if (record.computePlatform === 'ECS' && record.ecsTarget) {
    return {
      deploymentTargetType: 'ECSTarget',
      ecsTarget: {
        ...common,
        targetArn: record.ecsTarget.targetArn,
        status: record.ecsTarget.status,
        // CodeDeploy's ECSTaskSet fields only: the record's extra ones (task definition, test weight) stay in.
        taskSetsInfo: record.ecsTarget.taskSetsInfo.map((taskSet) => ({
          identifer: taskSet.identifer,
          desiredCount: taskSet.desiredCount,
          pendingCount: taskSet.pendingCount,
          runningCount: taskSet.runningCount,
          status: taskSet.status,
          trafficWeight: taskSet.trafficWeight,
          targetGroup: taskSet.targetGroup,
          taskSetLabel: taskSet.taskSetLabel,
        })),
      },
    };
  }
  return undefined;
}

/**
 * GetDeploymentGroup's lastSuccessfulDeployment and lastAttemptedDeployment, from the deployment
 * records the group names (its last success, its last created deployment, or else its newest).
 */
export function groupDeploymentsFrom(
  store: Pick<DeploymentStore, 'getDeployment' | 'listDeploymentIds'>,
): NonNullable<ControlPlane['describeGroupDeployments']> {
  const info = (record: DeploymentRecord | undefined): LastDeploymentInfo | undefined =>
    record && {
      deploymentId: record.deploymentId,
      status: record.status,
      ...(record.completeTime ? { endTime: seconds(record.completeTime) } : {}),
      createTime: seconds(record.createTime),
    };
  return async (group) => {
    const lastSuccess = group.lastSuccessfulDeploymentId
      ? await store.getDeployment(group.lastSuccessfulDeploymentId)
      : undefined;
    const newest =
      group.lastAttemptedDeploymentId ??
      (
        await store.listDeploymentIds(
          { applicationName: group.applicationName, deploymentGroupName: group.deploymentGroupName },
          { limit: 1 },
        )
      ).items[0];
    const lastAttempt = newest ? await store.getDeployment(newest) : undefined;
    // A group's record may name a deployment whose record is gone (or never was): its id is all there is.
    const lastSuccessfulDeployment =
      info(lastSuccess) ??
      (group.lastSuccessfulDeploymentId ? { deploymentId: group.lastSuccessfulDeploymentId } : undefined);
    const lastAttemptedDeployment = info(lastAttempt);
    return {
      ...(lastSuccessfulDeployment ? { lastSuccessfulDeployment } : {}),
      ...(lastAttemptedDeployment ? { lastAttemptedDeployment } : {}),
    };
  };
}

/** The deployments not finished yet that run with a config (DeleteDeploymentConfig's in-use check). */
export function activeDeploymentsFrom(
  store: Pick<DeploymentStore, 'listDeploymentIds'>,
): NonNullable<ControlPlane['activeDeploymentsUsingConfig']> {
  return async (deploymentConfigName) => {
    const ids: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await store.listDeploymentIds(
        { statuses: ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'], deploymentConfigName },
        { limit: 100, ...(nextToken ? { nextToken } : {}) },
      );
      ids.push(...page.items);
      nextToken = page.nextToken;
    } while (nextToken && ids.length < 100);
    return ids;
  };
}
