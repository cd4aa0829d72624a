/**
 * A deployment as the service reports it (GetDeployment, ListDeploymentTargets,
 * BatchGetDeploymentTargets), read into the record shapes the CLI's views are drawn from.
 */
import type { CodeDeployService } from '../../functions/adapters/aws/codedeploy-service.js';
import type { DeploymentInfo, InstanceTarget } from '../../functions/domain/codedeploy-shapes.js';
import type { DeploymentRecord, InstanceTargetRecord } from '../../functions/ports/records.js';

const iso = (seconds: number | undefined) =>
  seconds === undefined ? undefined : new Date(seconds * 1000).toISOString();

/** The record fields the views read, from a DeploymentInfo. */
export function recordOfInfo(info: DeploymentInfo): DeploymentRecord {
  return {
    deploymentId: info.deploymentId ?? '',
    applicationName: info.applicationName ?? '',
    deploymentGroupName: info.deploymentGroupName ?? '',
    deploymentConfigName: info.deploymentConfigName ?? '',
    computePlatform: info.computePlatform ?? 'Server',
    status: info.status ?? 'Created',
    creator: info.creator ?? 'user',
    revision: (info.revision ?? { revisionType: 'S3' }) as DeploymentRecord['revision'],
    createTime: iso(info.createTime) ?? '',
    ...(info.startTime !== undefined ? { startTime: iso(info.startTime) } : {}),
    ...(info.completeTime !== undefined ? { completeTime: iso(info.completeTime) } : {}),
    ...(info.errorInformation?.code
      ? {
          errorInformation: {
            code: info.errorInformation.code,
            message: info.errorInformation.message ?? '',
          },
        }
      : {}),
    ...(info.rollbackInfo ? { rollbackInfo: info.rollbackInfo } : {}),
    ...(info.description ? { description: info.description } : {}),
    ...(info.deploymentStyle ? { deploymentStyle: info.deploymentStyle } : {}),
  } as DeploymentRecord;
}

export function recordOfTarget(target: InstanceTarget): InstanceTargetRecord {
  return {
    deploymentId: target.deploymentId ?? '',
    targetId: target.targetId ?? '',
    status: target.status ?? 'Unknown',
    ...(target.instanceLabel ? { instanceLabel: target.instanceLabel } : {}),
    lastUpdatedAt: iso(target.lastUpdatedAt) ?? '',
    lifecycleEvents: (target.lifecycleEvents ?? []).map((event) => ({
      lifecycleEventName: event.lifecycleEventName ?? '',
      status: event.status ?? 'Unknown',
      ...(event.startTime !== undefined ? { startTime: iso(event.startTime) } : {}),
      ...(event.endTime !== undefined ? { endTime: iso(event.endTime) } : {}),
      ...(event.diagnostics?.errorCode
        ? {
            diagnostics: {
              errorCode: event.diagnostics.errorCode,
              message: event.diagnostics.message ?? '',
              ...(event.diagnostics.scriptName ? { scriptName: event.diagnostics.scriptName } : {}),
              ...(event.diagnostics.logTail ? { logTail: event.diagnostics.logTail } : {}),
            },
          }
        : {}),
    })),
  };
}

/** The deployment and its instance targets (none before it starts, none for Lambda and ECS). */
export async function readDeployment(
  service: CodeDeployService,
  deploymentId: string,
): Promise<{ record: DeploymentRecord; targets: InstanceTargetRecord[] }> {
  const { deploymentInfo } = await service.send('GetDeployment', { deploymentId });
  const record = recordOfInfo(deploymentInfo ?? {});
  if (record.computePlatform !== 'Server' || record.status === 'Created' || record.status === 'Queued') {
    return { record, targets: [] };
  }
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await service.send('ListDeploymentTargets', {
      deploymentId,
      ...(nextToken ? { nextToken } : {}),
    });
    ids.push(...(page.targetIds ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const targets: InstanceTargetRecord[] = [];
  for (let start = 0; start < ids.length; start += 25) {
    const { deploymentTargets } = await service.send('BatchGetDeploymentTargets', {
      deploymentId,
      targetIds: ids.slice(start, start + 25),
    });
    for (const target of deploymentTargets ?? []) {
      if (target.instanceTarget) targets.push(recordOfTarget(target.instanceTarget));
    }
  }
  return { record, targets };
}

/** Every deployment id the service lists, page after page. */
export async function listDeploymentIds(service: CodeDeployService): Promise<string[]> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await service.send('ListDeployments', nextToken ? { nextToken } : {});
    ids.push(...(page.deployments ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return ids;
}

/** Deployments by id (25 per call), in the order given. */
export async function readDeployments(
  service: CodeDeployService,
  ids: readonly string[],
): Promise<DeploymentRecord[]> {
  const records: DeploymentRecord[] = [];
  for (let start = 0; start < ids.length; start += 25) {
    const { deploymentsInfo } = await service.send('BatchGetDeployments', {
      deploymentIds: ids.slice(start, start + 25),
    });
    records.push(...(deploymentsInfo ?? []).map(recordOfInfo));
  }
  return records;
}
