/**
 * The Lambda wrapper every function uses: each log line of an invocation carries its correlation ids
 * (deployment id, execution name, request id), one invocation's ids never reach the next one's lines,
 * and a step's error reaches the state machine unchanged, by name.
 */
import { describe, expect, it } from 'vitest';
import { correlationIdsOf } from '../../functions/runtime/correlation.js';
import { stepHandler } from '../../functions/runtime/handler.js';
import { jsonLogger } from '../../functions/runtime/logger.js';

class StepFailedOnPurpose extends Error {
  override name = 'StepFailedOnPurpose';
}

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = jsonLogger((line) => lines.push(JSON.parse(line) as Record<string, unknown>));
  return { lines, logger };
}

// Lambda's context object: the wrapper reads its request id.
const context = (awsRequestId: string) =>
  ({ awsRequestId }) as unknown as Parameters<ReturnType<typeof stepHandler>>[1];

describe('stepHandler', () => {
  it("adds the invocation's correlation ids to every line it logs, and rethrows the step's error", async () => {
    const { lines, logger } = capture();
    const handler = stepHandler(
      'Bake',
      async (input: { deploymentId: string }) => {
        logger.info('baking', { bakeSeconds: 300 });
        throw new StepFailedOnPurpose(`no bake for ${input.deploymentId}`);
      },
      logger,
    );
    await expect(handler({ deploymentId: 'd-CORRELATE' }, context('req-1'))).rejects.toMatchObject({
      name: 'StepFailedOnPurpose',
    });
    expect(lines).toEqual([
      { level: 'info', message: 'baking', deploymentId: 'd-CORRELATE', requestId: 'req-1', bakeSeconds: 300 },
      {
        level: 'error',
        message: 'step failed',
        deploymentId: 'd-CORRELATE',
        requestId: 'req-1',
        step: 'Bake',
        errorName: 'StepFailedOnPurpose',
        errorMessage: 'no bake for d-CORRELATE',
      },
    ]);
  });

  it("keeps one invocation's ids off the next one's lines", async () => {
    const { lines, logger } = capture();
    const handler = stepHandler(
      'Finish',
      async (_input: unknown) => {
        logger.info('finishing');
        return 'done';
      },
      logger,
    );
    await handler(
      { executionName: 'd-FIRST0000', state: { deployment: { deploymentId: 'd-FIRST0000' } } },
      context('r1'),
    );
    await handler({ executionName: 'pipeline-action-7', state: {} }, context('r2'));
    expect(lines).toEqual([
      {
        level: 'info',
        message: 'finishing',
        deploymentId: 'd-FIRST0000',
        executionName: 'd-FIRST0000',
        requestId: 'r1',
      },
      { level: 'info', message: 'finishing', executionName: 'pipeline-action-7', requestId: 'r2' },
    ]);
  });
});

describe('correlationIdsOf', () => {
  it('reads the deployment id where each kind of input carries it', () => {
    expect(correlationIdsOf({ deploymentId: 'd-1', batchId: 'b' })).toEqual({ deploymentId: 'd-1' });
    expect(correlationIdsOf({ executionName: 'x', request: { deploymentId: 'd-2' } })).toEqual({
      deploymentId: 'd-2',
      executionName: 'x',
    });
    expect(
      correlationIdsOf({ executionName: 'x', state: { deploymentId: 'd-3' } }, { awsRequestId: 'r' }),
    ).toEqual({
      deploymentId: 'd-3',
      executionName: 'x',
      requestId: 'r',
    });
    expect(correlationIdsOf({ source: 'aws.s3', detail: {} })).toEqual({});
    expect(correlationIdsOf(undefined)).toEqual({});
  });
});
