import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { TaskCallbacksPort } from '../../ports/task-callbacks.js';
import { callAws } from './errors.js';

/** What AwsTaskCallbacks calls; the stack grants exactly these (checked by iam-actions.test.ts). */
export const TASK_CALLBACKS_IAM_ACTIONS = ['states:SendTaskSuccess', 'states:SendTaskFailure'] as const;

/** Step Functions' limits on SendTaskFailure, in characters. */
export const MAX_TASK_ERROR_LENGTH = 256;
export const MAX_TASK_CAUSE_LENGTH = 32_768;

const TRUNCATION_MARK = '... [truncated]';

/** Cuts to `max` UTF-16 units without leaving half of a surrogate pair at the end. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\uD800-\uDBFF]/.test(text.charAt(max - 1)) ? max - 1 : max;
  return text.slice(0, end);
}

/** The error name must stay intact for `ErrorEquals`, so it is cut without a mark. */
export function truncateTaskError(error: string): string {
  return cut(error, MAX_TASK_ERROR_LENGTH);
}

/** A long cause (a log tail) keeps its beginning and says it was cut, instead of failing the call. */
export function truncateTaskCause(cause: string): string {
  if (cause.length <= MAX_TASK_CAUSE_LENGTH) return cause;
  return cut(cause, MAX_TASK_CAUSE_LENGTH - TRUNCATION_MARK.length) + TRUNCATION_MARK;
}

/**
 * Completes `.waitForTaskToken` states. A token that timed out or was already used surfaces as
 * TaskTokenNoLongerValidError (translated in errors.ts) so the caller can report a late callback.
 */
export class AwsTaskCallbacks implements TaskCallbacksPort {
  constructor(private readonly client: SFNClient) {}

  async sendTaskSuccess(taskToken: string, output: unknown): Promise<void> {
    // Step Functions requires a JSON document; `undefined` has no JSON form, so it becomes {}.
    const json = JSON.stringify(output === undefined ? {} : output);
    await callAws({ service: 'sfn', operation: 'SendTaskSuccess' }, () =>
      this.client.send(new SendTaskSuccessCommand({ taskToken, output: json })),
    );
  }

  async sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void> {
    await callAws({ service: 'sfn', operation: 'SendTaskFailure' }, () =>
      this.client.send(
        new SendTaskFailureCommand({
          taskToken,
          error: truncateTaskError(error),
          cause: truncateTaskCause(cause),
        }),
      ),
    );
  }
}
