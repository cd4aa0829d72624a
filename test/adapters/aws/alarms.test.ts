import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  InvalidNextToken,
  type AlarmType,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsAlarms } from '../../../functions/adapters/aws/alarms.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const cloudwatch = mockClient(CloudWatchClient);
// The suite shares modules between files (isolate: false): the clients' send goes back as it was.
afterAll(() => {
  cloudwatch.restore();
});
const alarms = new AwsAlarms(new CloudWatchClient({ region: 'us-east-1' }));
const TYPES: AlarmType[] = ['MetricAlarm', 'CompositeAlarm'];

beforeEach(() => cloudwatch.reset());

describe('AwsAlarms', () => {
  it('describes metric and composite alarms by name; unknown names are absent', async () => {
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [{ AlarmName: 'errors', StateValue: 'ALARM' }],
      CompositeAlarms: [{ AlarmName: 'health', StateValue: 'OK' }],
    });
    const states = await alarms.describeAlarms(['errors', 'health', 'deleted']);
    expect(states).toEqual(
      new Map([
        ['errors', 'ALARM'],
        ['health', 'OK'],
      ]),
    );
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand).map((call) => call.args[0].input)).toEqual([
      { AlarmNames: ['errors', 'health', 'deleted'], AlarmTypes: TYPES, MaxRecords: 100 },
    ]);
  });

  it('sends no request for no alarm names', async () => {
    expect(await alarms.describeAlarms([])).toEqual(new Map());
    expect(cloudwatch).not.toHaveReceivedAnyCommand();
  });

  it('asks for at most 100 names per call', async () => {
    cloudwatch.on(DescribeAlarmsCommand).callsFake((input: { AlarmNames: string[] }) => ({
      MetricAlarms: input.AlarmNames.map((name) => ({ AlarmName: name, StateValue: 'INSUFFICIENT_DATA' })),
    }));
    const names = Array.from({ length: 250 }, (_, index) => `alarm-${index}`);
    const states = await alarms.describeAlarms([...names, 'alarm-0']);

    const batches = cloudwatch
      .commandCalls(DescribeAlarmsCommand)
      .map((call) => call.args[0].input.AlarmNames);
    expect(batches).toEqual([names.slice(0, 100), names.slice(100, 200), names.slice(200)]);
    expect(states.size).toBe(250);
    expect(states.get('alarm-249')).toBe('INSUFFICIENT_DATA');
  });

  it('follows NextToken until the last page', async () => {
    cloudwatch
      .on(DescribeAlarmsCommand)
      .resolvesOnce({ MetricAlarms: [{ AlarmName: 'a', StateValue: 'OK' }], NextToken: 'page-2' })
      .resolvesOnce({ CompositeAlarms: [{ AlarmName: 'b', StateValue: 'ALARM' }] });
    const states = await alarms.describeAlarms(['a', 'b']);
    expect(states).toEqual(
      new Map([
        ['a', 'OK'],
        ['b', 'ALARM'],
      ]),
    );
    expect(cloudwatch).toHaveReceivedNthCommandWith(DescribeAlarmsCommand, 2, {
      AlarmNames: ['a', 'b'],
      AlarmTypes: TYPES,
      MaxRecords: 100,
      NextToken: 'page-2',
    });
    expect(cloudwatch).toHaveReceivedCommandTimes(DescribeAlarmsCommand, 2);
  });

  it('turns CloudWatch throttling (code Throttling) into ThrottlingError', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'Throttling',
      $metadata: { httpStatusCode: 400 },
    });
    cloudwatch.on(DescribeAlarmsCommand).rejects(throttled);
    await expect(alarms.describeAlarms(['a'])).rejects.toMatchObject({
      name: 'ThrottlingError',
      code: 'Throttling',
    });
  });

  it('turns other CloudWatch errors into AwsServiceError with the code', async () => {
    cloudwatch
      .on(DescribeAlarmsCommand)
      .rejects(new InvalidNextToken({ message: 'bad token', $metadata: { httpStatusCode: 400 } }));
    await expect(alarms.describeAlarms(['a'])).rejects.toMatchObject({
      name: 'AwsServiceError',
      code: 'InvalidNextToken',
      httpStatusCode: 400,
    });
  });
});
