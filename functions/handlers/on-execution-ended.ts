import { endedExecutionFromEvent } from '../adapters/aws/sfn-execution-events.js';
import { stepHandler } from '../runtime/handler.js';
import { jsonLogger } from '../runtime/logger.js';
import { onExecutionEnded, type OnExecutionEndedOutput } from '../steps/on-execution-ended.js';
import { awsStepDeps, portsOf } from './aws-deps.js';

/** The AWS ports `onExecutionEnded` uses; the stack grants this function their IAM actions and no others. */
export const ports = portsOf<typeof onExecutionEnded>()(['store', 'events', 'transport']);

const logger = jsonLogger();

/**
 * Target of the EventBridge rule on "Step Functions Execution Status Change" events with status
 * TIMED_OUT, ABORTED or FAILED: ends as Failed a deployment whose execution ended without Finish.
 */
export const handler = stepHandler('onExecutionEnded', async (event: unknown) => {
  const parsed = endedExecutionFromEvent(event);
  const result: OnExecutionEndedOutput =
    'problem' in parsed
      ? { ended: false, reason: parsed.problem }
      : await onExecutionEnded(awsStepDeps(ports))(parsed.execution);
  logger.info(result.ended ? 'deployment ended' : 'no deployment ended', {
    step: 'onExecutionEnded',
    ...result,
  });
  return result;
});
