import type { StepDeps } from './deps.js';
import type { DeploymentRecord } from '../ports/records.js';
import { currentBatchChunks } from './server-targets.js';

/**
 * Ends the lifecycle-event commands a deployment still has running (their scripts' whole process
 * groups), before it ends: nothing may run on after a stop, an alarm or an abandoned execution, least
 * of all beside the rollback deployment or the next deployment that may follow. Only the current
 * batch can have commands running; a deployment without instance commands has none.
 */
export async function cancelCommandsInFlight(
  deps: Pick<StepDeps, 'commandWaits' | 'serverBatches' | 'transport'>,
  record: DeploymentRecord,
): Promise<void> {
  if (record.computePlatform !== 'Server' || record.currentBatch?.recorded !== false) return;
  for (const chunk of await currentBatchChunks(deps.serverBatches, record)) {
    for (const commandId of Object.values(chunk.commands)) {
      if (!(await deps.commandWaits.getCommandWait(commandId))) continue;
      await deps.transport.cancelCommand(commandId);
      await deps.commandWaits.deleteCommandWait(commandId);
    }
  }
}
