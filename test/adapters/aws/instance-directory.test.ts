import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeInstanceInformationCommand,
  ListTagsForResourceCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsInstanceDirectory } from '../../../functions/adapters/aws/instance-directory.js';
import { selectorOf } from '../../../functions/ports/instance-directory.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const ec2 = mockClient(EC2Client);
const ssm = mockClient(SSMClient);
const autoScaling = mockClient(AutoScalingClient);
// The suite shares modules between files (isolate: false): the clients' send goes back as it was.
afterAll(() => {
  ec2.restore();
  ssm.restore();
  autoScaling.restore();
});
const directory = new AwsInstanceDirectory(
  new EC2Client({ region: 'eu-west-1' }),
  new SSMClient({ region: 'eu-west-1' }),
  new AutoScalingClient({ region: 'eu-west-1' }),
);

beforeEach(() => {
  ec2.reset();
  ssm.reset();
  autoScaling.reset();
});

const reservation = (...instances: Array<[string, string]>) => ({
  Instances: instances.map(([InstanceId, zone]) => ({ InstanceId, Placement: { AvailabilityZone: zone } })),
});
const TARGET_STATES = { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] };

describe('AwsInstanceDirectory: EC2 tags', () => {
  it('ORs the filters of ec2TagFilters, one DescribeInstances tag filter each, keeping each zone', async () => {
    ec2
      .on(DescribeInstancesCommand, { Filters: [{ Name: 'tag:app', Values: ['shop'] }, TARGET_STATES] })
      .resolves({ Reservations: [reservation(['i-a', 'eu-west-1a'], ['i-b', 'eu-west-1b'])] })
      .on(DescribeInstancesCommand, { Filters: [{ Name: 'tag-key', Values: ['canary'] }, TARGET_STATES] })
      .resolves({ Reservations: [reservation(['i-b', 'eu-west-1b'], ['i-c', 'eu-west-1c'])] })
      .on(DescribeInstancesCommand, { Filters: [{ Name: 'tag-value', Values: ['web'] }, TARGET_STATES] })
      .resolves({ Reservations: [] });
    const targets = await directory.resolveTargets({
      ec2TagFilters: [
        { Key: 'app', Value: 'shop', Type: 'KEY_AND_VALUE' },
        { Key: 'canary', Type: 'KEY_ONLY' },
        { Value: 'web', Type: 'VALUE_ONLY' },
      ],
    });
    expect(targets).toEqual([
      { instanceId: 'i-a', kind: 'EC2', availabilityZone: 'eu-west-1a' },
      { instanceId: 'i-b', kind: 'EC2', availabilityZone: 'eu-west-1b' },
      { instanceId: 'i-c', kind: 'EC2', availabilityZone: 'eu-west-1c' },
    ]);
    expect(ec2).toHaveReceivedCommandTimes(DescribeInstancesCommand, 3);
  });

  it('ANDs the groups of an ec2TagSet, and pages through every reservation', async () => {
    ec2
      .on(DescribeInstancesCommand, { Filters: [{ Name: 'tag:app', Values: ['shop'] }, TARGET_STATES] })
      .resolvesOnce({ Reservations: [reservation(['i-a', 'z1'])], NextToken: 'page-2' })
      .resolvesOnce({ Reservations: [reservation(['i-b', 'z2'], ['i-c', 'z2'])] })
      .on(DescribeInstancesCommand, { Filters: [{ Name: 'tag:stage', Values: ['prod'] }, TARGET_STATES] })
      .resolves({ Reservations: [reservation(['i-b', 'z2'], ['i-x', 'z1'])] });
    const targets = await directory.resolveTargets({
      ec2TagSet: {
        ec2TagSetList: [
          [{ Key: 'app', Value: 'shop', Type: 'KEY_AND_VALUE' }],
          [{ Key: 'stage', Value: 'prod', Type: 'KEY_AND_VALUE' }],
        ],
      },
    });
    expect(targets).toEqual([{ instanceId: 'i-b', kind: 'EC2', availabilityZone: 'z2' }]);
    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, { NextToken: 'page-2' });
  });
});

describe('AwsInstanceDirectory: on-premises (SSM managed) instances', () => {
  it('asks SSM for managed instances with the tag, and reads tags one by one only for a VALUE_ONLY filter', async () => {
    ssm
      .on(DescribeInstanceInformationCommand, {
        Filters: [
          { Key: 'ResourceType', Values: ['ManagedInstance'] },
          { Key: 'tag:site', Values: ['dc-1'] },
        ],
      })
      .resolves({ InstanceInformationList: [{ InstanceId: 'mi-1' }, { InstanceId: 'mi-2' }] })
      .on(DescribeInstanceInformationCommand, {
        Filters: [{ Key: 'ResourceType', Values: ['ManagedInstance'] }],
      })
      .resolves({ InstanceInformationList: [{ InstanceId: 'mi-2' }, { InstanceId: 'mi-3' }] });
    ssm
      .on(ListTagsForResourceCommand, { ResourceId: 'mi-2' })
      .resolves({ TagList: [{ Key: 'rack', Value: 'r7' }] })
      .on(ListTagsForResourceCommand, { ResourceId: 'mi-3' })
      .resolves({ TagList: [{ Key: 'owner', Value: 'ops' }] });
    const targets = await directory.resolveTargets({
      onPremisesInstanceTagFilters: [
        { Key: 'site', Value: 'dc-1', Type: 'KEY_AND_VALUE' },
        { Value: 'ops', Type: 'VALUE_ONLY' },
      ],
    });
    expect(targets).toEqual([
      { instanceId: 'mi-1', kind: 'OnPremises' },
      { instanceId: 'mi-2', kind: 'OnPremises' },
      { instanceId: 'mi-3', kind: 'OnPremises' },
    ]);
    expect(ssm).toHaveReceivedCommandTimes(ListTagsForResourceCommand, 2);
  });
});

describe('AwsInstanceDirectory: Auto Scaling groups, and everything together', () => {
  it("adds the instances of the group's Auto Scaling groups, not those leaving them, each instance once", async () => {
    autoScaling.on(DescribeAutoScalingGroupsCommand, { AutoScalingGroupNames: ['web-asg'] }).resolves({
      AutoScalingGroups: [
        {
          AutoScalingGroupName: 'web-asg',
          Instances: [
            { InstanceId: 'i-b', AvailabilityZone: 'z2', LifecycleState: 'InService' },
            { InstanceId: 'i-d', AvailabilityZone: 'z1', LifecycleState: 'Pending' },
            { InstanceId: 'i-e', AvailabilityZone: 'z1', LifecycleState: 'Terminating' },
          ],
        },
      ] as never,
    });
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [reservation(['i-b', 'z2'])] });
    const targets = await directory.resolveTargets(
      selectorOf({
        applicationName: 'shop',
        deploymentGroupName: 'web',
        deploymentGroupId: 'dg',
        computePlatform: 'Server',
        ec2TagFilters: [{ Key: 'app', Value: 'shop', Type: 'KEY_AND_VALUE' }],
        autoScalingGroups: [{ name: 'web-asg' }],
      }),
    );
    expect(targets).toEqual([
      { instanceId: 'i-b', kind: 'EC2', availabilityZone: 'z2' },
      { instanceId: 'i-d', kind: 'EC2', autoScalingGroup: 'web-asg', availabilityZone: 'z1' },
    ]);
  });

  it('selects nothing, and calls nothing, for a group without selectors', async () => {
    expect(await directory.resolveTargets({})).toEqual([]);
    expect(ec2.calls()).toHaveLength(0);
    expect(ssm.calls()).toHaveLength(0);
    expect(autoScaling.calls()).toHaveLength(0);
  });
});
