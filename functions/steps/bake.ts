import { assertAlarmsQuiet } from './alarm-check.js';
import { defineStep, type StepDeps } from './deps.js';
import { assertNotStopped, loadDeployment } from './load-deployment.js';

export interface BakeInput {
  deploymentId: string;
  bakeSeconds: number;
  taskToken: string;
}

/**
 * Parks the deployment on its bake token. The wait is registered BEFORE the alarms are read, so an
 * alarm that changes in between is seen either by this read or by onAlarmStateChange, never by
 * neither. The token's timeout is the bake's normal end; nothing here completes it.
 */
export function bake(deps: Pick<StepDeps, 'deployments' | 'pendingWaits' | 'alarms' | 'clock'>) {
  return async ({ deploymentId, taskToken }: BakeInput): Promise<void> => {
    const { deployments, pendingWaits, clock } = deps;
    const record = await loadDeployment(deployments, deploymentId);
    assertNotStopped(record);
    await pendingWaits.putPendingWait({
      deploymentId,
      taskToken,
      kind: 'Bake',
      stateName: 'Bake',
      since: clock.now().toISOString(),
    });
    try {
      await assertAlarmsQuiet(deps.alarms, record.alarmConfiguration);
      // A stop that arrived between the first read and the registration would have found no token.
      assertNotStopped(await loadDeployment(deployments, deploymentId));
    } catch (error) {
      await pendingWaits.clearPendingWait(deploymentId, taskToken);
      throw error;
    }
  };
}

/** The Bake Task of the flows that shift traffic by weight: `${BakeFunctionArn}`. */
export const Bake = defineStep('Bake', bake)(['deployments', 'pendingWaits', 'alarms']);
