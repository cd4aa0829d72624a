import { endedExecutionFromEvent } from '../../adapters/aws/sfn-execution-events.js';
import { logger } from '../../runtime/logger.js';
import { defineStep, type StepDeps } from '../../steps/deps.js';
import { onExecutionEnded, type OnExecutionEndedOutput } from '../../steps/on-execution-ended.js';

type Deps = Parameters<typeof onExecutionEnded>[0];

/**
 * Target of the EventBridge rule on "Step Functions Execution Status Change" events with status
 * TIMED_OUT, ABORTED or FAILED: ends as Failed a deployment whose execution ended without Finish,
 * restores its traffic and starts the rollback its group asks for.
 */
export const OnExecutionEnded = defineStep(
  'OnExecutionEnded',
  (deps: Deps & Pick<StepDeps, 'clock'>) => async (event: unknown) => {
    const parsed = endedExecutionFromEvent(event);
    const result: OnExecutionEndedOutput =
      'problem' in parsed
        ? { ended: false, reason: parsed.problem }
        : await onExecutionEnded(deps)(parsed.execution);
    logger.info(result.ended ? 'deployment ended' : 'no deployment ended', {
      step: 'onExecutionEnded',
      ...result,
    });
    return result;
  },
  { timeoutSeconds: 300 },
)([
  'deployments',
  'executionNames',
  'groups',
  'groupLocks',
  'deploymentTargets',
  'pendingWaits',
  'alarmWatches',
  'commandWaits',
  'serverBatches',
  'events',
  'transport',
  'traffic',
  'executions',
]);
