import type { PendingWaitKind } from '../ports/records.js';
import { assertAlarmsQuiet } from './alarm-check.js';
import { defineStep, type StepDeps } from './deps.js';
import { DeploymentFlowMismatchError } from '../domain/deployment-errors.js';
import type { DeploymentRecord } from '../ports/records.js';
import { assertNotStopped, loadDeployment } from './load-deployment.js';

export interface BlueGreenWaitInput {
  deploymentId: string;
  wait: Extract<PendingWaitKind, 'ReadyWait' | 'TerminationWait'>;
  taskToken: string;
}

/** The ECS and Server blue/green deployments: the ones with these waits. */
async function loadWaiting(
  deps: Pick<StepDeps, 'deployments'>,
  deploymentId: string,
): Promise<DeploymentRecord> {
  const record = await loadDeployment(deps.deployments, deploymentId);
  if (record.computePlatform === 'Lambda') {
    throw new DeploymentFlowMismatchError(
      `The deployment ${deploymentId} is a Lambda deployment; only ECS and Server blue/green deployments wait to reroute or to end the original.`,
    );
  }
  return record;
}

/**
 * Parks an ECS or Server blue/green deployment on one of its waits, a token wait whose timeout is its end:
 * - `ReadyWait` (deploymentReadyOption STOP_DEPLOYMENT): the replacement is ready and the deployment
 *   is `Ready` until ContinueDeployment READY_WAIT; if the wait runs out, the deployment stops.
 * - `TerminationWait`: all traffic is on the replacement, which is primary; the original task set
 *   is kept (`Baking`) until the wait ends or ContinueDeployment TERMINATION_WAIT ends it early, so a
 *   stop with rollback can still send traffic back to it at once.
 * A stop or an alarm fails either wait at once. The wait is registered before the alarms and the
 * stop request are read, so a change in between is never missed (as in a bake).
 */
export function blueGreenWait(deps: Pick<StepDeps, 'deployments' | 'pendingWaits' | 'alarms' | 'clock'>) {
  return async ({ deploymentId, wait, taskToken }: BlueGreenWaitInput): Promise<void> => {
    const { deployments, pendingWaits, clock } = deps;
    const record = await loadWaiting(deps, deploymentId);
    assertNotStopped(record);
    // The status first: a ContinueDeployment that finds the wait finds the deployment Ready already.
    await deployments.updateDeployment(
      deploymentId,
      wait === 'ReadyWait'
        ? { status: 'Ready' }
        : { status: 'Baking', instanceTerminationWaitTimeStarted: true },
    );
    await pendingWaits.putPendingWait({
      deploymentId,
      taskToken,
      kind: wait,
      stateName: wait,
      since: clock.now().toISOString(),
    });
    try {
      await assertAlarmsQuiet(deps.alarms, record.alarmConfiguration);
      assertNotStopped(await loadWaiting(deps, deploymentId));
    } catch (error) {
      await pendingWaits.clearPendingWait(deploymentId, taskToken);
      throw error;
    }
  };
}

/** The ReadyWait and TerminationWait Tasks of the ECS and Server blue/green flows: `${BlueGreenWaitFunctionArn}`. */
export const BlueGreenWait = defineStep(
  'BlueGreenWait',
  blueGreenWait,
)(['deployments', 'pendingWaits', 'alarms']);
