import {
  CancelCommandCommand,
  GetCommandInvocationCommand,
  InvalidCommandId,
  InvalidInstanceId,
  ListCommandInvocationsCommand,
  SendCommandCommand,
  SSMClient,
  ThrottlingException,
  type CommandInvocation,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  commandStatusChangeFromEvent,
  instanceCommandStatusOf,
  SsmInstanceTransport,
} from '../../../functions/adapters/aws/ssm-transport.js';
import type { InstanceCommandRequest } from '../../../functions/ports/instance-transport.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const ssm = mockClient(SSMClient);
// The suite shares modules between files (isolate: false): the clients' send goes back as it was.
afterAll(() => {
  ssm.restore();
});
const client = new SSMClient({ region: 'us-east-1' });
const transport = new SsmInstanceTransport(client);

beforeEach(() => ssm.reset());

const request: InstanceCommandRequest = {
  instanceIds: ['i-1', 'i-2'],
  script: '#!/bin/sh\necho hi\n',
  executionTimeoutSeconds: 3900,
  comment: 'd-ABCDEFGHI BeforeInstall',
};

const DIAGNOSTICS = '{"error_code":0,"script_name":"","message":"Succeeded: ","log":""}';

function invocation(
  instanceId: string,
  fields: Partial<CommandInvocation> & { output?: string; code?: number },
) {
  const { output, code, ...rest } = fields;
  return {
    CommandId: 'cmd-1',
    InstanceId: instanceId,
    Status: 'Success',
    StatusDetails: 'Success',
    CommandPlugins: [{ Name: 'aws:runShellScript', Output: output ?? DIAGNOSTICS, ResponseCode: code ?? 0 }],
    ...rest,
  } satisfies CommandInvocation;
}

describe('SsmInstanceTransport.sendCommand', () => {
  it('sends AWS-RunShellScript with the script, the execution timeout, the comment and a 600 s delivery timeout', async () => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });
    expect(await transport.sendCommand(request)).toEqual({ commandId: 'cmd-1' });
    expect(ssm.commandCalls(SendCommandCommand).map((call) => call.args[0].input)).toEqual([
      {
        DocumentName: 'AWS-RunShellScript',
        InstanceIds: ['i-1', 'i-2'],
        Parameters: { commands: [request.script], executionTimeout: ['3900'] },
        Comment: 'd-ABCDEFGHI BeforeInstall',
        TimeoutSeconds: 600,
        MaxErrors: '100%',
        MaxConcurrency: '100%',
      },
    ]);
  });

  it("keeps instances independent: no failure stops the command on the others (SSM's MaxErrors is 0 by default)", async () => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });
    await transport.sendCommand({ ...request, instanceIds: Array.from({ length: 50 }, (_, k) => `i-${k}`) });
    const input = ssm.commandCalls(SendCommandCommand)[0]?.args[0].input;
    // Left unset, one failed invocation would cancel the ones not yet dispatched.
    expect(input?.MaxErrors).toBe('100%');
    expect(input?.MaxConcurrency).toBe('100%');
  });

  it('adds S3 and CloudWatch output when configured', async () => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });
    const withOutput = new SsmInstanceTransport(client, {
      outputS3Bucket: 'logs',
      cloudWatchLogGroup: '/stepdeploy/commands',
    });
    await withOutput.sendCommand(request);
    expect(ssm).toHaveReceivedCommandWith(SendCommandCommand, {
      OutputS3BucketName: 'logs',
      CloudWatchOutputConfig: {
        CloudWatchOutputEnabled: true,
        CloudWatchLogGroupName: '/stepdeploy/commands',
      },
    });
  });

  it('cuts the comment to 100 characters, never inside a surrogate pair', async () => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });
    await transport.sendCommand({ ...request, comment: `${'x'.repeat(99)}😀😀` });
    const comment = ssm.commandCalls(SendCommandCommand)[0]?.args[0].input.Comment;
    expect(comment).toBe(`${'x'.repeat(99)}😀`);
  });

  const timeouts: Array<[number, string]> = [
    [3600, '3600'],
    [12.2, '13'],
    [0, '1'],
    [500_000, '172800'],
  ];
  it.each(timeouts)('brings executionTimeout %s into SSM range as %s', async (seconds, expected) => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });
    await transport.sendCommand({ ...request, executionTimeoutSeconds: seconds });
    expect(ssm.commandCalls(SendCommandCommand)[0]?.args[0].input.Parameters?.executionTimeout).toEqual([
      expected,
    ]);
  });

  it('refuses more than 50 instances (callers split) and none at all, without calling SSM', async () => {
    const ids = Array.from({ length: 51 }, (_, index) => `i-${index}`);
    await expect(transport.sendCommand({ ...request, instanceIds: ids })).rejects.toMatchObject({
      name: 'InvalidArgumentError',
      message: expect.stringContaining('at most 50 instance ids, not 51'),
    });
    await expect(transport.sendCommand({ ...request, instanceIds: [] })).rejects.toMatchObject({
      name: 'InvalidArgumentError',
    });
    expect(ssm).not.toHaveReceivedAnyCommand();
  });

  it('accepts exactly 50 instances', async () => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });
    const ids = Array.from({ length: 50 }, (_, index) => `i-${index}`);
    await transport.sendCommand({ ...request, instanceIds: ids });
    expect(ssm).toHaveReceivedCommandWith(SendCommandCommand, { InstanceIds: ids });
  });

  it('turns SSM throttling into ThrottlingError', async () => {
    ssm
      .on(SendCommandCommand)
      .rejects(
        new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: {} }),
      );
    await expect(transport.sendCommand(request)).rejects.toMatchObject({
      name: 'ThrottlingError',
      code: 'ThrottlingException',
    });
  });

  it('keeps the SSM code of other errors (an instance that is not managed)', async () => {
    ssm.on(SendCommandCommand).rejects(
      new InvalidInstanceId({
        message: 'Instances not in a valid state',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    await expect(transport.sendCommand(request)).rejects.toMatchObject({
      name: 'AwsServiceError',
      code: 'InvalidInstanceId',
      message:
        'ssm.SendCommand (d-ABCDEFGHI BeforeInstall): InvalidInstanceId: Instances not in a valid state',
    });
  });

  it('reports a response without a command id', async () => {
    ssm.on(SendCommandCommand).resolves({});
    await expect(transport.sendCommand(request)).rejects.toMatchObject({
      name: 'AwsServiceError',
      code: 'MissingCommandId',
    });
  });
});

describe('SsmInstanceTransport.getCommandResults', () => {
  it('lists invocations with details and maps status, exit code and output per instance', async () => {
    ssm.on(ListCommandInvocationsCommand).resolves({
      CommandInvocations: [
        invocation('i-1', {}),
        invocation('i-2', {
          Status: 'Failed',
          StatusDetails: 'Failed',
          code: 1,
          output: `${DIAGNOSTICS}\n----------ERROR-------\nboom`,
        }),
      ],
    });
    expect(await transport.getCommandResults('cmd-1', ['i-1', 'i-2', 'i-3'])).toEqual([
      { instanceId: 'i-1', status: 'Success', exitCode: 0, stdout: DIAGNOSTICS, stderr: '' },
      { instanceId: 'i-2', status: 'Failed', exitCode: 1, stdout: DIAGNOSTICS, stderr: 'boom' },
      // Not listed yet: SSM creates the invocations a moment after SendCommand.
      { instanceId: 'i-3', status: 'Pending', exitCode: null, stdout: '', stderr: '' },
    ]);
    expect(ssm).toHaveReceivedCommandExactlyOnceWith(ListCommandInvocationsCommand, {
      CommandId: 'cmd-1',
      Details: true,
      MaxResults: 50,
    });
  });

  it('follows NextToken', async () => {
    ssm
      .on(ListCommandInvocationsCommand)
      .resolvesOnce({ CommandInvocations: [invocation('i-1', {})], NextToken: 'page-2' })
      .resolvesOnce({ CommandInvocations: [invocation('i-2', {})] });
    const results = await transport.getCommandResults('cmd-1', ['i-1', 'i-2']);
    expect(results.map((result) => result.status)).toEqual(['Success', 'Success']);
    expect(ssm).toHaveReceivedNthCommandWith(ListCommandInvocationsCommand, 2, {
      CommandId: 'cmd-1',
      Details: true,
      MaxResults: 50,
      NextToken: 'page-2',
    });
  });

  it('reads the full stdout with GetCommandInvocation when the inline output was truncated', async () => {
    const longLog = 'x'.repeat(2400);
    ssm.on(ListCommandInvocationsCommand).resolves({
      CommandInvocations: [
        invocation('i-1', {
          Status: 'Failed',
          StatusDetails: 'Failed',
          code: 4,
          output: `${longLog}\n---Output truncated---\n----------ERROR-------\nerr\n---Error truncated----`,
        }),
        invocation('i-2', {}),
      ],
    });
    const fullStdout = `${longLog}\n{"error_code":4,"script_name":"s.sh","message":"failed","log":"..."}`;
    ssm.on(GetCommandInvocationCommand).resolves({
      Status: 'Failed',
      ResponseCode: 4,
      StandardOutputContent: fullStdout,
      StandardErrorContent: 'err err err',
    });
    const [first, second] = await transport.getCommandResults('cmd-1', ['i-1', 'i-2']);
    expect(first).toEqual({
      instanceId: 'i-1',
      status: 'Failed',
      exitCode: 4,
      stdout: fullStdout,
      stderr: 'err err err',
    });
    expect(second?.stdout).toBe(DIAGNOSTICS);
    expect(ssm.commandCalls(GetCommandInvocationCommand).map((call) => call.args[0].input)).toEqual([
      { CommandId: 'cmd-1', InstanceId: 'i-1' },
    ]);
  });

  it('does not fetch the full output of an instance still running, nor for a truncated stderr only', async () => {
    ssm.on(ListCommandInvocationsCommand).resolves({
      CommandInvocations: [
        invocation('i-1', {
          Status: 'InProgress',
          StatusDetails: 'InProgress',
          code: -1,
          output: 'x\n---Output truncated---',
        }),
        invocation('i-2', {
          output: `${DIAGNOSTICS}\n----------ERROR-------\nnoise\n---Error truncated----`,
        }),
      ],
    });
    const [running, done] = await transport.getCommandResults('cmd-1', ['i-1', 'i-2']);
    expect(running).toEqual({
      instanceId: 'i-1',
      status: 'InProgress',
      exitCode: null,
      stdout: 'x',
      stderr: '',
    });
    expect(done).toMatchObject({ stdout: DIAGNOSTICS, stderr: 'noise' });
    expect(ssm).not.toHaveReceivedCommand(GetCommandInvocationCommand);
  });

  it('maps the detailed statuses: Undeliverable, delivery and execution timeouts', async () => {
    ssm.on(ListCommandInvocationsCommand).resolves({
      CommandInvocations: [
        invocation('i-1', { Status: 'Failed', StatusDetails: 'Undeliverable', code: -1, output: '' }),
        invocation('i-2', { Status: 'TimedOut', StatusDetails: 'DeliveryTimedOut', code: -1, output: '' }),
        invocation('i-3', { Status: 'TimedOut', StatusDetails: 'ExecutionTimedOut', code: 124, output: '' }),
      ],
    });
    const results = await transport.getCommandResults('cmd-1', ['i-1', 'i-2', 'i-3']);
    expect(results.map(({ status, exitCode }) => [status, exitCode])).toEqual([
      ['Undeliverable', null],
      ['Undeliverable', null],
      ['TimedOut', 124],
    ]);
  });

  it('turns an unknown command id into ResourceNotFoundError', async () => {
    ssm
      .on(ListCommandInvocationsCommand)
      .rejects(new InvalidCommandId({ message: 'no such command', $metadata: {} }));
    await expect(transport.getCommandResults('cmd-x', ['i-1'])).rejects.toMatchObject({
      name: 'ResourceNotFoundError',
      resource: 'cmd-x',
    });
  });

  it('turns throttling of GetCommandInvocation into ThrottlingError', async () => {
    ssm.on(ListCommandInvocationsCommand).resolves({
      CommandInvocations: [invocation('i-1', { output: 'x\n---Output truncated---' })],
    });
    ssm
      .on(GetCommandInvocationCommand)
      .rejects(new ThrottlingException({ message: 'slow down', Message: 'slow down', $metadata: {} }));
    await expect(transport.getCommandResults('cmd-1', ['i-1'])).rejects.toMatchObject({
      name: 'ThrottlingError',
    });
  });
});

describe('instanceCommandStatusOf', () => {
  const cases: Array<[string | undefined, string | undefined, string]> = [
    ['Pending', undefined, 'Pending'],
    ['InProgress', 'InProgress', 'InProgress'],
    ['Delayed', 'Delayed', 'InProgress'],
    ['Cancelling', undefined, 'InProgress'],
    ['Success', 'Success', 'Success'],
    ['Failed', 'Failed', 'Failed'],
    ['TimedOut', undefined, 'TimedOut'],
    ['Cancelled', 'Cancelled', 'Cancelled'],
    ['Failed', 'Undeliverable', 'Undeliverable'],
    ['TimedOut', 'DeliveryTimedOut', 'Undeliverable'],
    ['TimedOut', 'Delivery Timed Out', 'Undeliverable'],
    ['TimedOut', 'Execution Timed Out', 'TimedOut'],
    ['Cancelled', 'Terminated', 'Cancelled'],
    ['Something new', undefined, 'Failed'],
    [undefined, undefined, 'Failed'],
  ];
  it.each(cases)('Status %s, StatusDetails %s -> %s', (status, details, expected) => {
    expect(instanceCommandStatusOf(status, details)).toBe(expected);
  });
});

describe('commandStatusChangeFromEvent', () => {
  // The examples of "Amazon EventBridge event examples for Systems Manager", Run Command Events.
  const commandEvent = {
    version: '0',
    id: '51c0891d-0e34-45b1-83d6-95db273d1602',
    'detail-type': 'EC2 Command Status-change Notification',
    source: 'aws.ssm',
    account: '123456789012',
    time: '2016-07-10T21:51:32Z',
    region: 'us-east-2',
    resources: ['arn:aws:ec2:us-east-2:123456789012:instance/i-abcd1111'],
    detail: {
      'command-id': 'e8d3c0e4-71f7-4491-898f-c9b35bee5f3b',
      'document-name': 'AWS-RunPowerShellScript',
      'expire-after': '2016-07-14T22:01:30.049Z',
      parameters: { executionTimeout: ['3600'], commands: ['date'] },
      'requested-date-time': '2016-07-10T21:51:30.049Z',
      status: 'Success',
    },
  };
  const invocationEvent = {
    version: '0',
    id: '4780e1b8-f56b-4de5-95f2-95db273d1602',
    'detail-type': 'EC2 Command Invocation Status-change Notification',
    source: 'aws.ssm',
    account: '123456789012',
    time: '2016-07-10T21:51:32Z',
    region: 'us-east-2',
    resources: ['arn:aws:ec2:us-east-2:123456789012:instance/i-abcd1111'],
    detail: {
      'command-id': 'e8d3c0e4-71f7-4491-898f-c9b35bee5f3b',
      'document-name': 'AWS-RunPowerShellScript',
      'instance-id': 'i-9bb89e2b',
      'requested-date-time': '2016-07-10T21:51:30.049Z',
      status: 'Success',
    },
  };

  it('reads the command event: command id, status, and the instances from resources', () => {
    expect(commandStatusChangeFromEvent(commandEvent)).toEqual({
      commandId: 'e8d3c0e4-71f7-4491-898f-c9b35bee5f3b',
      status: 'Success',
      ssmStatus: 'Success',
      instanceIds: ['i-abcd1111'],
    });
  });

  it('reads the invocation event: its instance-id', () => {
    expect(commandStatusChangeFromEvent(invocationEvent)).toEqual({
      commandId: 'e8d3c0e4-71f7-4491-898f-c9b35bee5f3b',
      status: 'Success',
      ssmStatus: 'Success',
      instanceIds: ['i-9bb89e2b'],
    });
  });

  it('maps the status and reads on-premises managed-instance ARNs', () => {
    const event = {
      ...commandEvent,
      resources: ['arn:aws:ssm:us-east-2:123456789012:managed-instance/mi-0123456789abcdef0'],
      detail: { ...commandEvent.detail, status: 'TimedOut' },
    };
    expect(commandStatusChangeFromEvent(event)).toMatchObject({
      status: 'TimedOut',
      instanceIds: ['mi-0123456789abcdef0'],
    });
  });

  const ignored: Array<[string, unknown]> = [
    ['another source', { ...commandEvent, source: 'aws.ec2' }],
    [
      'another detail-type',
      { ...commandEvent, 'detail-type': 'EC2 Automation Step Status-change Notification' },
    ],
    ['no command id', { ...commandEvent, detail: { ...commandEvent.detail, 'command-id': undefined } }],
    ['no status', { ...commandEvent, detail: { status: undefined, 'command-id': 'c' } }],
    ['no detail', { ...commandEvent, detail: 'x' }],
    ['not an object', 'event'],
    ['null', null],
  ];
  it.each(ignored)('answers undefined for %s', (_name, event) => {
    expect(commandStatusChangeFromEvent(event)).toBeUndefined();
  });
});

describe('SsmInstanceTransport.cancelCommand', () => {
  const ssmMock = ssm;
  beforeEach(() => ssmMock.reset());

  it('sends CancelCommand for the command', async () => {
    ssmMock.on(CancelCommandCommand).resolves({});
    await new SsmInstanceTransport(client).cancelCommand('cmd-123');
    expect(ssmMock).toHaveReceivedCommandWith(CancelCommandCommand, { CommandId: 'cmd-123' });
  });

  it('treats a command that already finished as cancelled', async () => {
    ssmMock
      .on(CancelCommandCommand)
      .rejects(Object.assign(new Error('finished'), { name: 'InvalidCommandId' }));
    await expect(new SsmInstanceTransport(client).cancelCommand('cmd-done')).resolves.toBeUndefined();
  });

  it('still reports throttling, so the caller can retry', async () => {
    ssmMock
      .on(CancelCommandCommand)
      .rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    await expect(new SsmInstanceTransport(client).cancelCommand('cmd-1')).rejects.toMatchObject({
      name: 'ThrottlingError',
    });
  });
});
