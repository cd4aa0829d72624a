import { describe, expect, it } from 'vitest';
import { endedExecutionFromEvent } from '../../../functions/adapters/aws/sfn-execution-events.js';

const ARN = 'arn:aws:states:us-east-1:111122223333:execution:stepdeploy-lambda:d-ABCDEFGHI';
const event = (detail: Record<string, unknown>) => ({
  source: 'aws.states',
  'detail-type': 'Step Functions Execution Status Change',
  detail: { executionArn: ARN, name: 'd-ABCDEFGHI', status: 'TIMED_OUT', ...detail },
});

describe('Step Functions execution status events', () => {
  it('reads the execution and the deployment names from its input', () => {
    const input = JSON.stringify({ applicationName: 'shop', deploymentGroupName: 'api', revision: {} });
    expect(endedExecutionFromEvent(event({ input }))).toEqual({
      execution: {
        executionArn: ARN,
        executionName: 'd-ABCDEFGHI',
        status: 'TIMED_OUT',
        request: { applicationName: 'shop', deploymentGroupName: 'api' },
      },
    });
  });

  it('does without an input that is absent (too large) or not JSON', () => {
    for (const input of [null, 'not json', '[1]']) {
      expect(endedExecutionFromEvent(event({ input }))).toEqual({
        execution: { executionArn: ARN, executionName: 'd-ABCDEFGHI', status: 'TIMED_OUT' },
      });
    }
  });

  it.each([
    [
      { source: 'aws.s3' },
      'The event is not a "Step Functions Execution Status Change" event (source aws.states).',
    ],
    [
      event({ name: undefined }),
      'The execution event has no detail.executionArn, detail.name or detail.status.',
    ],
    [
      event({ status: 'RUNNING' }),
      `The execution ${ARN} is RUNNING, not one of TIMED_OUT, ABORTED, FAILED; the rule should match only those.`,
    ],
  ])('answers a problem for %j', (input, problem) => {
    expect(endedExecutionFromEvent(input)).toEqual({ problem });
  });
});
