import {
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { TaskTokenNoLongerValidError } from '../../../functions/adapters/aws/errors.js';
import {
  AwsTaskCallbacks,
  MAX_TASK_CAUSE_LENGTH,
  MAX_TASK_ERROR_LENGTH,
} from '../../../functions/adapters/aws/task-callbacks.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const sfn = mockClient(SFNClient);
// The suite shares modules between files (isolate: false): the clients' send goes back as it was.
afterAll(() => {
  sfn.restore();
});
const callbacks = new AwsTaskCallbacks(new SFNClient({ region: 'us-east-1' }));

beforeEach(() => sfn.reset());

describe('AwsTaskCallbacks', () => {
  it('sends SendTaskSuccess with the output as a JSON string', async () => {
    await callbacks.sendTaskSuccess('token-1', { status: 'Succeeded', weights: [0.1] });
    expect(sfn.commandCalls(SendTaskSuccessCommand).map((call) => call.args[0].input)).toEqual([
      { taskToken: 'token-1', output: '{"status":"Succeeded","weights":[0.1]}' },
    ]);
  });

  it('sends {} for an undefined output, since Step Functions needs a JSON document', async () => {
    await callbacks.sendTaskSuccess('token-1', undefined);
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, { taskToken: 'token-1', output: '{}' });
  });

  it('sends SendTaskFailure with error and cause unchanged when they fit', async () => {
    await callbacks.sendTaskFailure('token-2', 'HookFailed', 'the hook said Failed');
    expect(sfn.commandCalls(SendTaskFailureCommand)[0]?.args[0].input).toEqual({
      taskToken: 'token-2',
      error: 'HookFailed',
      cause: 'the hook said Failed',
    });
  });

  it('truncates error to 256 and cause to 32768 characters', async () => {
    await callbacks.sendTaskFailure('token-3', 'E'.repeat(300), 'c'.repeat(40_000));
    const input = sfn.commandCalls(SendTaskFailureCommand)[0]?.args[0].input;
    expect(input?.error).toBe('E'.repeat(MAX_TASK_ERROR_LENGTH));
    expect(input?.cause).toHaveLength(MAX_TASK_CAUSE_LENGTH);
    expect(input?.cause?.startsWith('cccc')).toBe(true);
    expect(input?.cause?.endsWith('[truncated]')).toBe(true);
  });

  it('does not split a surrogate pair when truncating', async () => {
    const error = `${'E'.repeat(MAX_TASK_ERROR_LENGTH - 1)}😀`;
    await callbacks.sendTaskFailure('token-4', error, 'cause');
    expect(sfn.commandCalls(SendTaskFailureCommand)[0]?.args[0].input.error).toBe(
      'E'.repeat(MAX_TASK_ERROR_LENGTH - 1),
    );
  });

  it.each([
    ['TaskTimedOut', new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} })],
    ['TaskDoesNotExist', new TaskDoesNotExist({ message: 'Task does not exist', $metadata: {} })],
    ['InvalidToken', new InvalidToken({ message: 'Invalid token', $metadata: {} })],
  ])('turns %s into TaskTokenNoLongerValidError (a late callback is reportable)', async (code, error) => {
    sfn.on(SendTaskSuccessCommand).rejects(error);
    sfn.on(SendTaskFailureCommand).rejects(error);
    await expect(callbacks.sendTaskSuccess('late', {})).rejects.toBeInstanceOf(TaskTokenNoLongerValidError);
    await expect(callbacks.sendTaskFailure('late', 'E', 'C')).rejects.toMatchObject({
      name: 'TaskTokenNoLongerValidError',
      code,
      cause: error,
    });
  });

  it('turns ThrottlingException into ThrottlingError', async () => {
    sfn
      .on(SendTaskSuccessCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: {} }));
    await expect(callbacks.sendTaskSuccess('token', {})).rejects.toMatchObject({ name: 'ThrottlingError' });
  });
});
