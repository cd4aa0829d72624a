import type { StepDeps } from './deps.js';
import type { DeploymentRecord } from '../ports/records.js';

/**
 * Ends the lifecycle-event commands a deployment still has running (their scripts' whole process
 * groups), before it ends: nothing may run on after a stop, an alarm or an abandoned execution, least
 * of all beside the rollback deployment or the next deployment that may follow. A deployment without
 * instance commands has none.
 */
export async function cancelCommandsInFlight(
  deps: Pick<StepDeps, 'commandWaits' | 'transport'>,
  record: DeploymentRecord,
): Promise<void> {
  if (record.computePlatform !== 'Server') return;
  for (const commandId of record.currentEvent?.commandIds ?? []) {
    if (!(await deps.commandWaits.getCommandWait(commandId))) continue;
    await deps.transport.cancelCommand(commandId);
    await deps.commandWaits.deleteCommandWait(commandId);
  }
}
