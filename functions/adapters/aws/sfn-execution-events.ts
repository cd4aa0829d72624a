/** The statuses of an execution that ended without its state machine's last state having run. */
export const ENDED_EXECUTION_STATUSES = ['TIMED_OUT', 'ABORTED', 'FAILED'] as const;

export const EXECUTION_STATUS_CHANGE = 'Step Functions Execution Status Change';

/** What the ended-execution handler needs from a Step Functions execution status event. */
export interface EndedExecution {
  executionArn: string;
  executionName: string;
  status: (typeof ENDED_EXECUTION_STATUSES)[number];
  /** The fields of the execution input that name the deployment, when the event carried the input. */
  request?: { deploymentId?: string; applicationName?: string; deploymentGroupName?: string };
}

export type EndedExecutionOrProblem = { execution: EndedExecution } | { problem: string };

/**
 * Reads the EventBridge event Step Functions sends when an execution's status changes (source
 * `aws.states`, detail-type "Step Functions Execution Status Change"; `detail` holds `executionArn`,
 * `stateMachineArn`, `name`, `status` and `input`, a JSON string that is null when it is too large).
 * Answers a problem, not an exception, for an event of any other kind or status.
 */
export function endedExecutionFromEvent(event: unknown): EndedExecutionOrProblem {
  if (!isRecord(event) || event.source !== 'aws.states' || event['detail-type'] !== EXECUTION_STATUS_CHANGE) {
    return { problem: `The event is not a "${EXECUTION_STATUS_CHANGE}" event (source aws.states).` };
  }
  const detail = isRecord(event.detail) ? event.detail : {};
  const { executionArn, name, status } = detail;
  if (typeof executionArn !== 'string' || typeof name !== 'string' || typeof status !== 'string') {
    return { problem: 'The execution event has no detail.executionArn, detail.name or detail.status.' };
  }
  const ended = ENDED_EXECUTION_STATUSES.find((value) => value === status);
  if (!ended) {
    return {
      problem: `The execution ${executionArn} is ${status}, not one of ${ENDED_EXECUTION_STATUSES.join(', ')}; the rule should match only those.`,
    };
  }
  const request = requestOf(detail.input);
  return {
    execution: { executionArn, executionName: name, status: ended, ...(request ? { request } : {}) },
  };
}

/** The deployment's names from the execution input (CreateDeployment's fields), if it parses. */
function requestOf(input: unknown): EndedExecution['request'] {
  if (typeof input !== 'string') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(input);
  } catch {
    return undefined;
  }
  if (!isRecord(parsed)) return undefined;
  const request: NonNullable<EndedExecution['request']> = {};
  for (const field of ['deploymentId', 'applicationName', 'deploymentGroupName'] as const) {
    const value = parsed[field];
    if (typeof value === 'string' && value !== '') request[field] = value;
  }
  return Object.keys(request).length ? request : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
