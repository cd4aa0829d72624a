import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  DeleteAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import { EC2Client, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { AutoScalingFleet } from '../../../functions/adapters/aws/auto-scaling-fleet.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const autoScaling = mockClient(AutoScalingClient);
const ec2 = mockClient(EC2Client);
// The suite shares modules between files (isolate: false): the clients' send goes back as it was.
afterAll(() => {
  autoScaling.restore();
  ec2.restore();
});
const fleet = new AutoScalingFleet(
  new AutoScalingClient({ region: 'eu-west-1' }),
  new EC2Client({ region: 'eu-west-1' }),
);

const instance = (id: string, state = 'InService', health = 'Healthy', zone = 'eu-west-1a') => ({
  InstanceId: id,
  LifecycleState: state as 'InService',
  HealthStatus: health,
  AvailabilityZone: zone,
  ProtectedFromScaleIn: false,
});

const ORIGINAL: AutoScalingGroup = {
  AutoScalingGroupName: 'web-asg',
  LaunchTemplate: { LaunchTemplateId: 'lt-0abc', Version: '$Latest' },
  MinSize: 2,
  MaxSize: 6,
  DesiredCapacity: 4,
  DefaultCooldown: 300,
  AvailabilityZones: ['eu-west-1a', 'eu-west-1b'],
  VPCZoneIdentifier: 'subnet-1,subnet-2',
  HealthCheckType: 'ELB',
  HealthCheckGracePeriod: 120,
  TargetGroupARNs: ['arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/1'],
  Tags: [
    {
      Key: 'app',
      Value: 'shop',
      PropagateAtLaunch: true,
      ResourceId: 'web-asg',
      ResourceType: 'auto-scaling-group',
    },
    { Key: 'aws:cloudformation:stack-name', Value: 'shop', PropagateAtLaunch: true },
  ],
  // Three of four healthy and in service: the copy is sized to 3.
  Instances: [
    instance('i-1'),
    instance('i-2'),
    instance('i-3', 'InService', 'Unhealthy'),
    instance('i-4', 'InService', 'Healthy', 'eu-west-1b'),
  ],
  CreatedTime: new Date(0),
};

function groups(...found: AutoScalingGroup[]) {
  return { AutoScalingGroups: found };
}

beforeEach(() => {
  autoScaling.reset();
  ec2.reset();
});

describe('AutoScalingFleet (COPY_AUTO_SCALING_GROUP in AWS)', () => {
  it("copies the original's launch template, subnets, health checks and tags, sized to its healthy count, attached to no load balancer", async () => {
    autoScaling
      .on(DescribeAutoScalingGroupsCommand, { AutoScalingGroupNames: ['CodeDeploy_web_d-ABCDEFGHJ'] })
      .resolves(groups())
      .on(DescribeAutoScalingGroupsCommand, { AutoScalingGroupNames: ['web-asg'] })
      .resolves(groups(ORIGINAL));
    autoScaling.on(CreateAutoScalingGroupCommand).resolves({});
    await fleet.copyFleet({
      deploymentId: 'd-ABCDEFGHJ',
      source: 'web-asg',
      name: 'CodeDeploy_web_d-ABCDEFGHJ',
      originals: [{ instanceId: 'i-1' }],
    });
    const calls = autoScaling.commandCalls(CreateAutoScalingGroupCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({
      AutoScalingGroupName: 'CodeDeploy_web_d-ABCDEFGHJ',
      LaunchTemplate: { LaunchTemplateId: 'lt-0abc', Version: '$Latest' },
      MinSize: 2,
      MaxSize: 6,
      DesiredCapacity: 3,
      VPCZoneIdentifier: 'subnet-1,subnet-2',
      HealthCheckType: 'ELB',
      HealthCheckGracePeriod: 120,
      Tags: [
        {
          Key: 'app',
          Value: 'shop',
          PropagateAtLaunch: true,
          ResourceId: 'CodeDeploy_web_d-ABCDEFGHJ',
          ResourceType: 'auto-scaling-group',
        },
      ],
    });
  });

  it('does nothing when the copy exists (a retry), and names the missing original or an empty one', async () => {
    autoScaling
      .on(DescribeAutoScalingGroupsCommand)
      .resolves(groups({ ...ORIGINAL, AutoScalingGroupName: 'CodeDeploy_web_d-1' }));
    await fleet.copyFleet({
      deploymentId: 'd-1',
      source: 'web-asg',
      name: 'CodeDeploy_web_d-1',
      originals: [],
    });
    expect(autoScaling.commandCalls(CreateAutoScalingGroupCommand)).toHaveLength(0);

    autoScaling.reset();
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves(groups());
    await expect(
      fleet.copyFleet({ deploymentId: 'd-2', source: 'gone-asg', name: 'CodeDeploy_web_d-2', originals: [] }),
    ).rejects.toMatchObject({
      name: 'AutoScalingConfigurationError',
      message: expect.stringMatching(/gone-asg to copy does not exist/),
    });

    autoScaling.reset();
    autoScaling
      .on(DescribeAutoScalingGroupsCommand)
      .callsFake((input: { AutoScalingGroupNames?: string[] }) =>
        input.AutoScalingGroupNames?.[0] === 'web-asg'
          ? groups({ ...ORIGINAL, Instances: [instance('i-9', 'Pending', 'Healthy')] })
          : groups(),
      );
    await expect(
      fleet.copyFleet({ deploymentId: 'd-3', source: 'web-asg', name: 'CodeDeploy_web_d-3', originals: [] }),
    ).rejects.toMatchObject({ message: expect.stringMatching(/no healthy instance in service/) });
  });

  it('is ready once the desired count is in service and healthy, and reports the instances with their zones', async () => {
    const copy = (instances: ReturnType<typeof instance>[]) =>
      groups({
        ...ORIGINAL,
        AutoScalingGroupName: 'CodeDeploy_web_d-1',
        DesiredCapacity: 2,
        Instances: instances,
      });
    autoScaling
      .on(DescribeAutoScalingGroupsCommand)
      .resolvesOnce(copy([instance('i-a', 'Pending'), instance('i-b')]))
      .resolvesOnce(copy([instance('i-a'), instance('i-b', 'InService', 'Healthy', 'eu-west-1b')]))
      .resolves(groups());
    const launching = await fleet.describeFleet('CodeDeploy_web_d-1');
    expect(launching).toMatchObject({
      ready: false,
      desired: 2,
      message: '1 of 2 instances of CodeDeploy_web_d-1 are in service.',
    });

    expect(await fleet.describeFleet('CodeDeploy_web_d-1')).toEqual({
      ready: true,
      desired: 2,
      instances: [
        {
          instanceId: 'i-a',
          kind: 'EC2',
          autoScalingGroup: 'CodeDeploy_web_d-1',
          availabilityZone: 'eu-west-1a',
        },
        {
          instanceId: 'i-b',
          kind: 'EC2',
          autoScalingGroup: 'CodeDeploy_web_d-1',
          availabilityZone: 'eu-west-1b',
        },
      ],
    });
    expect(await fleet.describeFleet('CodeDeploy_web_d-9')).toBeUndefined();
  });

  it('deletes a copy with its instances (ForceDelete), and nothing that is gone already', async () => {
    autoScaling
      .on(DescribeAutoScalingGroupsCommand)
      .resolvesOnce(groups({ ...ORIGINAL, AutoScalingGroupName: 'CodeDeploy_web_d-1' }));
    autoScaling.on(DeleteAutoScalingGroupCommand).resolves({});
    await fleet.deleteFleet('CodeDeploy_web_d-1');
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves(groups());
    await fleet.deleteFleet('CodeDeploy_web_d-1');
    expect(autoScaling.commandCalls(DeleteAutoScalingGroupCommand).map((c) => c.args[0].input)).toEqual([
      { AutoScalingGroupName: 'CodeDeploy_web_d-1', ForceDelete: true },
    ]);
  });

  it('retires the originals: deletes the copied group, terminates discovered instances (in calls of 1,000), keeps them alive untouched', async () => {
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves(groups(ORIGINAL));
    autoScaling.on(DeleteAutoScalingGroupCommand).resolves({});
    ec2.on(TerminateInstancesCommand).resolves({});
    await fleet.retireOriginals({
      deploymentId: 'd-1',
      action: 'TERMINATE',
      autoScalingGroup: 'web-asg',
      instanceIds: ['i-1'],
    });
    expect(autoScaling.commandCalls(DeleteAutoScalingGroupCommand).map((c) => c.args[0].input)).toEqual([
      { AutoScalingGroupName: 'web-asg', ForceDelete: true },
    ]);
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(0);

    const ids = Array.from({ length: 1500 }, (_, k) => `i-${k}`);
    await fleet.retireOriginals({ deploymentId: 'd-2', action: 'TERMINATE', instanceIds: ids });
    expect(
      ec2.commandCalls(TerminateInstancesCommand).map((c) => c.args[0].input.InstanceIds?.length),
    ).toEqual([1000, 500]);

    autoScaling.resetHistory();
    ec2.resetHistory();
    await fleet.retireOriginals({
      deploymentId: 'd-3',
      action: 'KEEP_ALIVE',
      autoScalingGroup: 'web-asg',
      instanceIds: ids,
    });
    expect(autoScaling.calls()).toHaveLength(0);
    expect(ec2.calls()).toHaveLength(0);
  });
});
