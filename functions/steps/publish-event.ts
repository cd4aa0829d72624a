import type { DeploymentEventState } from '../domain/status.js';
import type { DeploymentRecord } from '../ports/records.js';
import type { StepDeps } from './deps.js';

/** A state-change event shaped like CodeDeploy's "Deployment State-change Notification". */
export async function publishDeploymentEvent(
  deps: Pick<StepDeps, 'events' | 'clock'>,
  record: DeploymentRecord,
  state: DeploymentEventState,
): Promise<void> {
  await deps.events.publish({
    source: 'stepdeploy',
    detailType: 'CodeDeploy Deployment State-change Notification',
    resources: [
      `stepdeploy:application:${record.applicationName}`,
      `stepdeploy:deploymentgroup:${record.applicationName}/${record.deploymentGroupName}`,
    ],
    detail: {
      region: 'local',
      application: record.applicationName,
      deploymentGroup: record.deploymentGroupName,
      deploymentId: record.deploymentId,
      state,
      ...(record.errorInformation ? { errorCode: record.errorInformation.code } : {}),
      time: deps.clock.now().toISOString(),
    },
  });
}
