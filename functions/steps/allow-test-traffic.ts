import { assertAlarmsQuiet } from './alarm-check.js';
import { defineStep, type StepDeps } from './deps.js';
import { ecsContextOf } from './ecs-target.js';
import { withLifecycleEvent } from './lifecycle-records.js';
import { assertNotStopped, loadDeploymentOf } from './load-deployment.js';
import { replacementWeightChanges } from './traffic-route.js';

export interface AllowTestTrafficInput {
  deploymentId: string;
}

/**
 * CodeDeploy's AllowTestTraffic event (ECS, when the group has a test listener): the test listener
 * forwards to the replacement target group only, so AfterAllowTestTraffic's hook can test the
 * replacement before any production request reaches it. The router re-reads the listener first and
 * refuses one that someone else changed.
 */
export function allowTestTraffic(deps: Pick<StepDeps, 'deployments' | 'traffic' | 'alarms' | 'clock'>) {
  return async ({ deploymentId }: AllowTestTrafficInput): Promise<void> => {
    const { deployments, clock } = deps;
    const record = await loadDeploymentOf(deployments, deploymentId, 'ECS');
    assertNotStopped(record);
    await assertAlarmsQuiet(deps.alarms, record.alarmConfiguration);
    const { route } = ecsContextOf(record);
    const now = clock.now();
    const started = await deployments.updateDeployment(deploymentId, {
      lifecycleEvents: withLifecycleEvent(record, 'AllowTestTraffic', 'InProgress', now),
    });
    await deps.traffic.setWeight(route, 1, 'test');
    await deployments.updateDeployment(deploymentId, {
      ...replacementWeightChanges(started, 1, 'test'),
      lifecycleEvents: withLifecycleEvent(started, 'AllowTestTraffic', 'Succeeded', clock.now()),
    });
  };
}

/** The AllowTestTraffic Task of the ECS flow: `${AllowTestTrafficFunctionArn}`. */
export const AllowTestTraffic = defineStep(
  'AllowTestTraffic',
  allowTestTraffic,
)(['deployments', 'traffic', 'alarms']);
