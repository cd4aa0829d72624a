import { formatDeploymentId } from '../domain/deployment-id.js';
import { flowKeyOf } from '../domain/flows.js';
import { defineStep, type StepDeps } from './deps.js';
import { loadDeployment } from './load-deployment.js';

export interface StartRollbackDeploymentInput {
  deploymentId: string;
}

/**
 * CodeDeploy's rollback of an EC2/On-Premises deployment: a NEW deployment (creator
 * codeDeployRollback) of the group's last successful revision, linked both ways through rollbackInfo.
 * Idempotent: a retry reuses the id already recorded, and starting an execution is idempotent by name.
 */
export function startRollbackDeployment(
  deps: Pick<StepDeps, 'deployments' | 'groups' | 'executions' | 'random'>,
) {
  return async ({
    deploymentId,
  }: StartRollbackDeploymentInput): Promise<{ rollbackDeploymentId: string }> => {
    const { deployments } = deps;
    const record = await loadDeployment(deployments, deploymentId);
    const group = await deps.groups.getDeploymentGroup(record.applicationName, record.deploymentGroupName);
    const lastGoodId = group?.lastSuccessfulDeploymentId;
    if (!lastGoodId)
      throw new Error(
        `The deployment group ${record.deploymentGroupName} has no successful deployment to roll back to.`,
      );
    const lastGood = await loadDeployment(deployments, lastGoodId);
    const rollbackDeploymentId =
      record.rollbackInfo?.rollbackDeploymentId ?? formatDeploymentId(deps.random.bytes(9));
    const rollbackMessage = `Deployment ${rollbackDeploymentId} is triggered to roll back deployment ${deploymentId}.`;
    await deployments.updateDeployment(deploymentId, {
      rollbackInfo: { ...record.rollbackInfo, rollbackDeploymentId, rollbackMessage },
    });
    await deps.executions.startDeployment(flowKeyOf(record), {
      deploymentId: rollbackDeploymentId,
      applicationName: record.applicationName,
      deploymentGroupName: record.deploymentGroupName,
      revision: lastGood.revision,
      deploymentConfigName: record.deploymentConfigName,
      creator: 'codeDeployRollback',
      ...(lastGood.fileExistsBehavior ? { fileExistsBehavior: lastGood.fileExistsBehavior } : {}),
      ...(record.autoRollbackConfiguration
        ? { autoRollbackConfiguration: record.autoRollbackConfiguration }
        : {}),
      rollbackInfo: { rollbackTriggeringDeploymentId: deploymentId, rollbackMessage },
    });
    return { rollbackDeploymentId };
  };
}

/** The in-place flow's StartRollbackDeployment Task: `${StartRollbackDeploymentFunctionArn}`. */
export const StartRollbackDeployment = defineStep(
  'StartRollbackDeployment',
  startRollbackDeployment,
)(['deployments', 'groups', 'executions']);
