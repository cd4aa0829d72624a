/**
 * The deployment group `deploy` makes or updates for each platform's set-up, through CodeDeploy's
 * API as any user would (UpdateDeploymentGroup when it exists, else CreateDeploymentGroup).
 */
import type { CodeDeployService } from '../../functions/adapters/aws/codedeploy-service.js';
import type { UpdateDeploymentGroupInput } from '../../functions/domain/codedeploy-shapes.js';
import { errorName } from '../service.js';

/** Groups made by `deploy` need a role ARN (CodeDeploy requires one); locally nothing assumes it. */
export const LOCAL_SERVICE_ROLE = 'arn:aws:iam::000000000000:role/stepdeploy-local';

/** What a set-up gives its group: all of UpdateDeploymentGroup's input but the names. */
export type DeploymentGroupSettings = Omit<
  UpdateDeploymentGroupInput,
  'applicationName' | 'currentDeploymentGroupName'
>;

export interface DeploymentGroupName {
  applicationName: string;
  deploymentGroupName: string;
}

/** Writes the group's settings: UpdateDeploymentGroup when it exists, else CreateDeploymentGroup. */
export async function writeDeploymentGroup(
  service: CodeDeployService,
  { applicationName, deploymentGroupName }: DeploymentGroupName,
  settings: DeploymentGroupSettings,
  exists: boolean,
): Promise<void> {
  if (exists) {
    await service.send('UpdateDeploymentGroup', {
      applicationName,
      currentDeploymentGroupName: deploymentGroupName,
      ...settings,
    });
  } else {
    await service.send('CreateDeploymentGroup', {
      applicationName,
      deploymentGroupName,
      ...settings,
      serviceRoleArn: LOCAL_SERVICE_ROLE,
    });
  }
}

/** Creates the group, or updates it when GetDeploymentGroup finds it. */
export async function putDeploymentGroup(
  service: CodeDeployService,
  name: DeploymentGroupName,
  settings: DeploymentGroupSettings,
): Promise<void> {
  try {
    await service.send('GetDeploymentGroup', {
      applicationName: name.applicationName,
      deploymentGroupName: name.deploymentGroupName,
    });
    await writeDeploymentGroup(service, name, settings, true);
  } catch (error) {
    if (errorName(error) !== 'DeploymentGroupDoesNotExistException') throw error;
    await writeDeploymentGroup(service, name, settings, false);
  }
}
