import { commandStatusChangeFromEvent } from '../adapters/aws/ssm-transport.js';
import { stepHandler } from '../runtime/handler.js';
import { onCommandComplete } from '../steps/on-command-complete.js';
import { awsStepDeps, portsOf } from './aws-deps.js';

/** The AWS ports `onCommandComplete` uses; the stack grants this function their IAM actions and no others. */
export const ports = portsOf<typeof onCommandComplete>()(['store', 'transport', 'callbacks']);

/**
 * Target of the EventBridge rule on SSM "EC2 Command Status-change Notification" events: when a
 * lifecycle event's command ends, its results are recorded and the parked state resumes.
 */
export const handler = stepHandler('onCommandComplete', async (event: unknown) => {
  const change = commandStatusChangeFromEvent(event);
  if (!change) return { completed: false };
  return onCommandComplete(awsStepDeps(ports))(change.commandId);
});
