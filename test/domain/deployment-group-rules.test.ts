import { describe, expect, it } from 'vitest';
import type { ComputePlatform } from '../../functions/domain/codedeploy-shapes.js';
import {
  validateDeploymentGroup,
  type DeploymentGroupSpec,
} from '../../functions/domain/deployment-group-rules.js';

const ROLE = 'arn:aws:iam::123456789012:role/CodeDeploy';
const onPrem = {
  onPremisesInstanceTagFilters: [{ Key: 'role', Value: 'web', Type: 'KEY_AND_VALUE' as const }],
};
const pair = {
  targetGroupPairInfoList: [
    {
      targetGroups: [{ name: 'blue' }, { name: 'green' }],
      prodTrafficRoute: { listenerArns: ['arn:listener'] },
    },
  ],
};
const ecs: DeploymentGroupSpec = {
  serviceRoleArn: ROLE,
  ecsServices: [{ serviceName: 'api', clusterName: 'main' }],
  loadBalancerInfo: pair,
};

describe('defaults', () => {
  it('gives a minimal Server group what GetDeploymentGroup reports for it', () => {
    expect(validateDeploymentGroup({ serviceRoleArn: ROLE, ...onPrem }, 'Server')).toEqual({
      deploymentConfigName: 'CodeDeployDefault.OneAtATime',
      serviceRoleArn: ROLE,
      ec2TagFilters: [],
      onPremisesInstanceTagFilters: [{ Key: 'role', Value: 'web', Type: 'KEY_AND_VALUE' }],
      autoScalingGroups: [],
      triggerConfigurations: [],
      alarmConfiguration: { enabled: false, ignorePollAlarmFailure: false, alarms: [] },
      outdatedInstancesStrategy: 'UPDATE',
      deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' },
    });
  });

  it.each<[ComputePlatform, DeploymentGroupSpec, string]>([
    ['Lambda', { serviceRoleArn: ROLE }, 'CodeDeployDefault.LambdaAllAtOnce'],
    ['ECS', ecs, 'CodeDeployDefault.ECSAllAtOnce'],
  ])(
    'makes a %s group blue/green with traffic control, with %s [inferred default]',
    (platform, spec, config) => {
      const group = validateDeploymentGroup(spec, platform);
      expect(group.deploymentStyle).toEqual({
        deploymentType: 'BLUE_GREEN',
        deploymentOption: 'WITH_TRAFFIC_CONTROL',
      });
      expect(group.deploymentConfigName).toBe(config);
    },
  );

  it('gives an ECS group the blue/green options ECS uses (terminate the original task set)', () => {
    expect(validateDeploymentGroup(ecs, 'ECS').blueGreenDeploymentConfiguration).toEqual({
      terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 0 },
      deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
    });
  });
});

describe('the target groups the engine routes through', () => {
  it.each<[string, DeploymentGroupSpec, string[] | undefined]>([
    [
      'an in-place group with traffic control: its target groups',
      {
        ...onPrem,
        deploymentStyle: { deploymentOption: 'WITH_TRAFFIC_CONTROL' },
        loadBalancerInfo: { targetGroupInfoList: [{ name: 'a' }, { name: 'b' }] },
      },
      ['a', 'b'],
    ],
    [
      'without traffic control: none, even with a load balancer',
      { ...onPrem, loadBalancerInfo: { targetGroupInfoList: [{ name: 'a' }] } },
      undefined,
    ],
    [
      'a Classic load balancer only: no target group',
      {
        ...onPrem,
        deploymentStyle: { deploymentOption: 'WITH_TRAFFIC_CONTROL' },
        loadBalancerInfo: { elbInfoList: [{ name: 'c' }] },
      },
      undefined,
    ],
  ])('%s', (_name, spec, expected) => {
    expect(validateDeploymentGroup(spec, 'Server').targetGroupNames).toEqual(expected);
  });
});

describe('CodeDeploy’s rules, with its exceptions', () => {
  it.each<[string, ComputePlatform, DeploymentGroupSpec, string]>([
    [
      'ec2TagFilters with ec2TagSet',
      'Server',
      {
        ec2TagFilters: [{ Key: 'a', Type: 'KEY_ONLY' }],
        ec2TagSet: { ec2TagSetList: [[{ Key: 'b', Type: 'KEY_ONLY' }]] },
      },
      'InvalidEC2TagCombinationException',
    ],
    [
      'on-premises filters with a set',
      'Server',
      { ...onPrem, onPremisesTagSet: { onPremisesTagSetList: [[{ Key: 'b', Type: 'KEY_ONLY' }]] } },
      'InvalidOnPremisesTagCombinationException',
    ],
    ['a bad EC2 filter', 'Server', { ec2TagFilters: [{ Key: 'a' }] }, 'InvalidEC2TagException'],
    [
      'a bad on-premises filter',
      'Server',
      { onPremisesInstanceTagFilters: [{ Value: 'x', Type: 'KEY_ONLY' }] },
      'InvalidTagException',
    ],
    [
      'four tag groups',
      'Server',
      {
        ec2TagSet: { ec2TagSetList: [1, 2, 3, 4].map((i) => [{ Key: `k${i}`, Type: 'KEY_ONLY' as const }]) },
      },
      'TagSetListLimitExceededException',
    ],
    [
      'a service role that is no role ARN',
      'Server',
      { serviceRoleArn: 'arn:aws:iam::123456789012:user/me' },
      'InvalidRoleException',
    ],
    [
      'traffic control without a load balancer',
      'Server',
      { deploymentStyle: { deploymentOption: 'WITH_TRAFFIC_CONTROL' } },
      'InvalidLoadBalancerInfoException',
    ],
    [
      'blue/green without traffic control',
      'Server',
      { deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' } },
      'InvalidDeploymentStyleException',
    ],
    [
      'blue/green on on-premises instances [inferred: EC2 only]',
      'Server',
      {
        ...onPrem,
        deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
        loadBalancerInfo: { targetGroupInfoList: [{ name: 'a' }] },
      },
      'InvalidDeploymentStyleException',
    ],
    [
      'a copied Auto Scaling group without one',
      'Server',
      {
        deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
        loadBalancerInfo: { targetGroupInfoList: [{ name: 'a' }] },
        blueGreenDeploymentConfiguration: {
          greenFleetProvisioningOption: { action: 'COPY_AUTO_SCALING_GROUP' },
        },
      },
      'InvalidBlueGreenDeploymentConfigurationException',
    ],
    [
      'a termination wait over 48 hours',
      'Server',
      {
        blueGreenDeploymentConfiguration: {
          terminateBlueInstancesOnDeploymentSuccess: { terminationWaitTimeInMinutes: 2881 },
        },
      },
      'InvalidBlueGreenDeploymentConfigurationException',
    ],
    [
      'a target-group pair on a Server group',
      'Server',
      { loadBalancerInfo: pair },
      'InvalidTargetGroupPairException',
    ],
    [
      'ECS services on a Server group',
      'Server',
      { ecsServices: [{ serviceName: 's', clusterName: 'c' }] },
      'InvalidECSServiceException',
    ],
    [
      'eleven target groups',
      'Server',
      {
        loadBalancerInfo: { targetGroupInfoList: Array.from({ length: 11 }, (_, i) => ({ name: `t${i}` })) },
      },
      'InvalidLoadBalancerInfoException',
    ],
    [
      'a target group named twice',
      'Server',
      { loadBalancerInfo: { targetGroupInfoList: [{ name: 't' }, { name: 't' }] } },
      'InvalidLoadBalancerInfoException',
    ],
    [
      'eleven alarms',
      'Server',
      { alarmConfiguration: { alarms: Array.from({ length: 11 }, (_, i) => ({ name: `a${i}` })) } },
      'AlarmsLimitExceededException',
    ],
    [
      'alarms enabled with none',
      'Server',
      { alarmConfiguration: { enabled: true, alarms: [] } },
      'InvalidAlarmConfigException',
    ],
    [
      'an alarm named twice',
      'Server',
      { alarmConfiguration: { alarms: [{ name: 'a' }, { name: 'a' }] } },
      'InvalidAlarmConfigException',
    ],
    [
      'an alarm name over 255 characters',
      'Server',
      { alarmConfiguration: { alarms: [{ name: 'a'.repeat(256) }] } },
      'InvalidAlarmConfigException',
    ],
    [
      'rollback enabled with no events',
      'Server',
      { autoRollbackConfiguration: { enabled: true, events: [] } },
      'InvalidAutoRollbackConfigException',
    ],
    [
      'eleven triggers',
      'Server',
      {
        triggerConfigurations: Array.from({ length: 11 }, (_, i) => ({
          triggerName: `t${i}`,
          triggerTargetArn: 'arn:aws:sns:us-east-1:123456789012:t',
          triggerEvents: ['DeploymentStart' as const],
        })),
      },
      'TriggerTargetsLimitExceededException',
    ],
    [
      'a trigger to something else than an SNS topic',
      'Server',
      {
        triggerConfigurations: [
          {
            triggerName: 't',
            triggerTargetArn: 'arn:aws:sqs:us-east-1:123456789012:q',
            triggerEvents: ['DeploymentStart'],
          },
        ],
      },
      'InvalidTriggerConfigException',
    ],
    [
      'a trigger with no events',
      'Server',
      {
        triggerConfigurations: [
          { triggerName: 't', triggerTargetArn: 'arn:aws:sns:us-east-1:123456789012:t', triggerEvents: [] },
        ],
      },
      'InvalidTriggerConfigException',
    ],
    [
      'eleven Auto Scaling groups',
      'Server',
      { autoScalingGroups: Array.from({ length: 11 }, (_, i) => `asg-${i}`) },
      'InvalidAutoScalingGroupException',
    ],
    [
      'an in-place Lambda group',
      'Lambda',
      { deploymentStyle: { deploymentType: 'IN_PLACE' } },
      'InvalidDeploymentStyleException',
    ],
    [
      'a Lambda group without traffic control',
      'Lambda',
      { deploymentStyle: { deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' } },
      'InvalidDeploymentStyleException',
    ],
    ['tag filters on a Lambda group [inferred]', 'Lambda', onPrem, 'InvalidTagException'],
    [
      'EC2 filters on an ECS group [inferred]',
      'ECS',
      { ...ecs, ec2TagFilters: [{ Key: 'a', Type: 'KEY_ONLY' }] },
      'InvalidEC2TagException',
    ],
    [
      'a load balancer on a Lambda group [inferred]',
      'Lambda',
      { loadBalancerInfo: { targetGroupInfoList: [{ name: 't' }] } },
      'InvalidLoadBalancerInfoException',
    ],
    ['an ECS group without its service', 'ECS', { loadBalancerInfo: pair }, 'InvalidECSServiceException'],
    [
      'an ECS group with two services',
      'ECS',
      {
        ...ecs,
        ecsServices: [
          { serviceName: 'a', clusterName: 'c' },
          { serviceName: 'b', clusterName: 'c' },
        ],
      },
      'InvalidECSServiceException',
    ],
    [
      'an ECS group without a target-group pair',
      'ECS',
      { ...ecs, loadBalancerInfo: {} },
      'InvalidTargetGroupPairException',
    ],
    [
      'an ECS pair of one target group',
      'ECS',
      {
        ...ecs,
        loadBalancerInfo: {
          targetGroupPairInfoList: [
            { targetGroups: [{ name: 'a' }], prodTrafficRoute: { listenerArns: ['l'] } },
          ],
        },
      },
      'InvalidTargetGroupPairException',
    ],
    [
      'an ECS pair without a production listener',
      'ECS',
      {
        ...ecs,
        loadBalancerInfo: { targetGroupPairInfoList: [{ targetGroups: [{ name: 'a' }, { name: 'b' }] }] },
      },
      'InvalidTargetGroupPairException',
    ],
    [
      'an ECS group keeping the original task set alive (3P: ECS has no KEEP_ALIVE)',
      'ECS',
      {
        ...ecs,
        blueGreenDeploymentConfiguration: {
          terminateBlueInstancesOnDeploymentSuccess: { action: 'KEEP_ALIVE' },
        },
      },
      'InvalidBlueGreenDeploymentConfigurationException',
    ],
  ])('refuses %s', (_name, platform, spec, exception) => {
    expect(() => validateDeploymentGroup(spec, platform)).toThrow(
      expect.objectContaining({ name: exception }),
    );
  });
});
