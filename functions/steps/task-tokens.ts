/**
 * Step Functions' answers to SendTaskSuccess/Failure for a token that can no longer be completed (it
 * timed out, was completed, or is unknown), as the AWS adapter and the embedded engine name them.
 * A late callback meets one of these; there is nothing left to resume, so callers move on.
 */
const DEAD_TOKEN_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'TaskTokenNoLongerValidError']);

export function isDeadTokenError(error: unknown): boolean {
  return error instanceof Error && DEAD_TOKEN_ERRORS.has(error.name);
}
