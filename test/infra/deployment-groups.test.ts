import { PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { beforeAll, describe, expect, it } from 'vitest';
import { dynamoDbControlPlaneStores } from '../../functions/adapters/aws/dynamodb-control-plane.js';
import {
  handleCodeDeployRequest,
  TARGET_PREFIX,
  type ControlPlane,
} from '../../functions/api/codedeploy-api.js';
import type { DeploymentUseCases } from '../../functions/api/deployments.js';
import { EcsDeploymentGroup, ServerDeploymentGroup } from '../../infra/deployment-groups.js';
import { startLocalDatabase } from '../../local/runtime/dynalite.js';
import { StepDeploy } from '../../infra/step-deploy.js';
import { ECS_FIXTURE, stackWithGroups, testApp, type Fixture } from './stack-fixture.js';

type Resource = { Type: string; Properties: Record<string, unknown> };

let fixture: Fixture;

/** The deployment operations are not called here: only the control plane's. */
const notServing = new Proxy({} as DeploymentUseCases, {
  get: () => () => {
    throw new Error('a deployment use case was called');
  },
});
beforeAll(() => {
  fixture = stackWithGroups();
});

/** The UpdateItem each group's custom resource sends on create, as CloudFormation will pass it. */
function groupWrites(): Array<Record<string, unknown>> {
  return Object.values(fixture.template.toJSON().Resources as Record<string, Resource>)
    .filter((resource) => resource.Type === 'Custom::AWS')
    .map((resource) => {
      const create = resource.Properties.Create as { 'Fn::Join': [string, unknown[]] };
      // The call is a JSON string with tokens joined in; the literal parts are enough here.
      const text = create['Fn::Join'][1]
        .map((part) => (typeof part === 'string' ? part : '"TOKEN"'))
        .join('');
      return JSON.parse(text.replace(/""TOKEN""/g, '"TOKEN"')) as Record<string, unknown>;
    });
}

describe('deployment-group constructs', () => {
  it('write each group where Prepare reads it: the CONFIG item of the deployment table', () => {
    const writes = groupWrites().filter((call) => JSON.stringify(call).includes('"CONFIG"'));
    expect(writes).toHaveLength(3);
    const server = writes.find((call) => JSON.stringify(call).includes('GROUP#shop-web#production'))!;
    expect(server).toMatchObject({ service: 'DynamoDB', action: 'UpdateItem' });
    const parameters = server.parameters as {
      Key: unknown;
      ExpressionAttributeValues: Record<string, unknown>;
      UpdateExpression: string;
    };
    expect(parameters.Key).toEqual({ pk: { S: 'GROUP#shop-web#production' }, sk: { S: 'CONFIG' } });
    expect(parameters.ExpressionAttributeValues).toMatchObject({
      ':computePlatform': { S: 'Server' },
      ':deploymentConfigName': { S: 'CodeDeployDefault.HalfAtATime' },
      ':instanceIds': { L: [{ S: 'i-0123456789abcdef0' }, { S: 'mi-0123456789abcdef0' }] },
      ':autoRollbackConfiguration': {
        M: {
          enabled: { BOOL: true },
          events: {
            L: [
              { S: 'DEPLOYMENT_FAILURE' },
              { S: 'DEPLOYMENT_STOP_ON_REQUEST' },
              { S: 'DEPLOYMENT_STOP_ON_ALARM' },
            ],
          },
        },
      },
    });
    // What deployments record on the group is never overwritten by a stack update.
    expect(parameters.UpdateExpression).not.toMatch(/lastSuccessfulDeploymentId|instanceHealth/);

    const lambdaGroup = writes.find((call) => JSON.stringify(call).includes('GROUP#shop-api#live'))!;
    const lambdaValues = (lambdaGroup.parameters as { ExpressionAttributeValues: Record<string, unknown> })
      .ExpressionAttributeValues;
    expect(lambdaValues[':computePlatform']).toEqual({ S: 'Lambda' });
    expect(lambdaValues).not.toHaveProperty(':instanceIds');
  });

  it('write the application and the listing item too: the API lists and reads a declared group as one it created', async () => {
    const writes = groupWrites();
    // Per group (Server, Lambda, ECS): its CONFIG item, its application, its listing item.
    expect(writes).toHaveLength(9);
    const database = await startLocalDatabase();
    try {
      const run = async (call: Record<string, unknown>) => {
        const parameters = { ...(call.parameters as Record<string, unknown>), TableName: database.tableName };
        if (call.action === 'UpdateItem')
          await database.client.send(new UpdateItemCommand(parameters as never));
        else if (call.action === 'PutItem')
          await database.client.send(new PutItemCommand(parameters as never));
        else throw new Error(`unexpected ${String(call.action)}`);
      };
      // CloudFormation applies them in any order, and again on every stack update.
      for (const call of [...writes].reverse()) await run(call);
      for (const call of writes) await run(call);
      const controlPlane: ControlPlane = {
        ...dynamoDbControlPlaneStores(database.client, database.tableName),
        clock: { now: () => new Date() },
        newId: () => 'unused',
        region: 'eu-west-1',
      };
      const api = async (operation: string, input: unknown) => {
        const response = await handleCodeDeployRequest(
          { ...notServing, controlPlane },
          `${TARGET_PREFIX}${operation}`,
          JSON.stringify(input),
        );
        expect(response.statusCode, JSON.stringify(response.body)).toBe(200);
        return response.body as Record<string, never>;
      };
      expect((await api('ListApplications', {})).applications).toEqual(['shop', 'shop-api', 'shop-web']);
      const { application } = await api('GetApplication', { applicationName: 'shop-web' });
      expect(application).toMatchObject({ applicationName: 'shop-web', computePlatform: 'Server' });
      expect((application as unknown as { applicationId: string }).applicationId).toMatch(/^[0-9a-f-]{36}$/);
      expect((await api('ListDeploymentGroups', { applicationName: 'shop-web' })).deploymentGroups).toEqual([
        'production',
      ]);
      const { deploymentGroupInfo } = await api('GetDeploymentGroup', {
        applicationName: 'shop-api',
        deploymentGroupName: 'live',
      });
      expect(deploymentGroupInfo).toMatchObject({
        applicationName: 'shop-api',
        deploymentGroupName: 'live',
        computePlatform: 'Lambda',
        deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      });
    } finally {
      await database.close();
    }
  });

  it('refuse names that are not plain S3 prefixes and ids that are not instances, naming the field', () => {
    const app = testApp();
    const stack = new Stack(app, 'Bad');
    const stepDeploy = new StepDeploy(stack, 'StepDeploy');
    expect(
      () =>
        new ServerDeploymentGroup(stack, 'Slash', {
          stepDeploy,
          applicationName: 'shop/web',
          deploymentGroupName: 'prod',
          instanceIds: ['i-0123456789abcdef0'],
        }),
    ).toThrow(/applicationName "shop\/web"/);
    // `+` reads differently URL-encoded (as S3 event keys may come) and raw: refused as well.
    expect(
      () =>
        new ServerDeploymentGroup(stack, 'Plus', {
          stepDeploy,
          applicationName: 'shop',
          deploymentGroupName: 'blue+green',
          instanceIds: ['i-0123456789abcdef0'],
        }),
    ).toThrow(/deploymentGroupName "blue\+green"/);
    expect(
      () =>
        new ServerDeploymentGroup(stack, 'Host', {
          stepDeploy,
          applicationName: 'shop',
          deploymentGroupName: 'prod',
          instanceIds: ['web-1'],
        }),
    ).toThrow(/instanceIds has "web-1"/);
    expect(
      () =>
        new ServerDeploymentGroup(stack, 'None', {
          stepDeploy,
          applicationName: 'shop',
          deploymentGroupName: 'prod',
          instanceIds: [],
        }),
    ).toThrow(/instanceIds is empty and no tag filter or Auto Scaling group selects instances/);
  });

  it('refuse a hook prefix that is not a function-name prefix', () => {
    const stack = new Stack(testApp(), 'Prefix');
    expect(() => new StepDeploy(stack, 'StepDeploy', { hookFunctionPrefix: 'hooks/*' })).toThrow(
      /hookFunctionPrefix/,
    );
  });
});

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const {
  production: PROD,
  testRule: TEST_RULE,
  service: SERVICE,
  taskRole: TASK_ROLE,
  executionRole: EXECUTION_ROLE,
} = ECS_FIXTURE;
/** DeleteTaskSet's resource: this service's task sets, in the stack's partition. */
const TASK_SETS = {
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ecs:${REGION}:${ACCOUNT}:task-set/prod/web/*`]],
};

function policiesOf(
  name: string,
): Array<{ Action: string | string[]; Resource: unknown; Condition?: unknown }> {
  const resources = fixture.template.toJSON().Resources as Record<string, Resource>;
  return Object.entries(resources)
    .filter(([id, r]) => r.Type === 'AWS::IAM::Policy' && id.startsWith(`EcsGroup${name}Targets`))
    .flatMap(([, r]) => (r.Properties.PolicyDocument as { Statement: [] }).Statement);
}

/** The ECS group of the shared fixture (stack-fixture.ts). */
describe('EcsDeploymentGroup', () => {
  it('writes the ECS group where PrepareEcs reads it: service, target-group pair, listeners and waits', () => {
    const write = Object.values(fixture.template.toJSON().Resources as Record<string, Resource>).find(
      (r) => r.Type === 'Custom::AWS' && JSON.stringify(r.Properties.Create).includes('GROUP#shop#web'),
    );
    const create = write?.Properties.Create as { 'Fn::Join': [string, unknown[]] };
    // The call is a JSON string with the table name joined in; the literal parts are the group.
    const text = create['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'TABLE')).join('');
    const values = (
      JSON.parse(text) as { parameters: { ExpressionAttributeValues: Record<string, unknown> } }
    ).parameters.ExpressionAttributeValues;
    expect(values).toMatchObject({
      ':computePlatform': { S: 'ECS' },
      ':deploymentStyle': { M: { deploymentType: { S: 'BLUE_GREEN' } } },
      ':ecsServices': { L: [{ M: { serviceName: { S: 'web' }, clusterName: { S: 'prod' } } }] },
      ':loadBalancerInfo': {
        M: {
          targetGroupPairInfoList: {
            L: [
              {
                M: {
                  targetGroups: {
                    L: [{ M: { name: { S: 'web-blue' } } }, { M: { name: { S: 'web-green' } } }],
                  },
                  prodTrafficRoute: { M: { listenerArns: { L: [{ S: PROD }] } } },
                  testTrafficRoute: { M: { listenerArns: { L: [{ S: TEST_RULE }] } } },
                },
              },
            ],
          },
        },
      },
      ':blueGreenDeploymentConfiguration': {
        M: {
          terminateBlueInstancesOnDeploymentSuccess: {
            M: { action: { S: 'TERMINATE' }, terminationWaitTimeInMinutes: { N: '60' } },
          },
          deploymentReadyOption: {
            M: { actionOnTimeout: { S: 'STOP_DEPLOYMENT' }, waitTimeInMinutes: { N: '30' } },
          },
        },
      },
    });
  });

  it('grants the task-set steps exactly this service, its task sets and the task-definition roles', () => {
    const create = policiesOf('CreateTaskSet');
    expect(create).toEqual([
      {
        Effect: 'Allow',
        Action: [
          'ecs:CreateTaskSet',
          'ecs:DescribeServices',
          'ecs:DescribeTaskSets',
          'ecs:UpdateServicePrimaryTaskSet',
        ],
        Resource: SERVICE,
      },
      {
        Effect: 'Allow',
        Action: 'ecs:DeleteTaskSet',
        Resource: TASK_SETS,
      },
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: [TASK_ROLE, EXECUTION_ROLE],
        Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      },
    ]);
    // The rollback's ECS half may restore the primary and delete the replacement, and nothing else.
    expect(policiesOf('RestoreTaskSets').map((s) => s.Resource)).toEqual([
      SERVICE,
      TASK_SETS,
      [TASK_ROLE, EXECUTION_ROLE],
    ]);
  });

  it('grants the traffic steps ModifyListener and ModifyRule on exactly the two listeners', () => {
    for (const step of ['ShiftTraffic', 'AllowTestTraffic', 'Rollback']) {
      const listeners = policiesOf(step).filter((s) =>
        JSON.stringify(s.Action).includes('elasticloadbalancing:Modify'),
      );
      expect(listeners).toEqual([
        {
          Effect: 'Allow',
          Action: ['elasticloadbalancing:ModifyListener', 'elasticloadbalancing:ModifyRule'],
          Resource: [PROD, TEST_RULE],
        },
      ]);
    }
    // The hooks' and the waits' functions get nothing of the group's.
    expect(policiesOf('RunHook')).toEqual([]);
    expect(policiesOf('BlueGreenWait')).toEqual([]);
  });

  it('reads listeners, rules, target health and task definitions where IAM has no resource level (*)', () => {
    fixture.template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('StepDeployPrepareEcsRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith([
              'ecs:DescribeTaskDefinition',
              'elasticloadbalancing:DescribeListeners',
              'elasticloadbalancing:DescribeRules',
              'elasticloadbalancing:DescribeTargetGroups',
              'elasticloadbalancing:DescribeTargetHealth',
            ]),
            Resource: '*',
          }),
        ]),
      },
    });
  });

  it('adds the ECS state machine to the stack through the flow registry', () => {
    const machines = Object.values(fixture.template.toJSON().Resources as Record<string, Resource>).filter(
      (r) => r.Type === 'AWS::StepFunctions::StateMachine',
    );
    const names = machines.map((m) => JSON.stringify(fixture.stack.resolve(m.Properties.StateMachineName)));
    expect(names.some((name) => name.includes('EcsBlueGreen'))).toBe(true);
  });

  it('refuses waits over 48 hours and one target group used twice, naming the field', () => {
    const app = testApp();
    const bad = new Stack(app, 'Bad', { env: { account: ACCOUNT, region: REGION } });
    const stepDeploy = new StepDeploy(bad, 'StepDeploy');
    const vpc = ec2.Vpc.fromVpcAttributes(bad, 'Vpc', {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['eu-west-1a'],
    });
    const cluster = ecs.Cluster.fromClusterAttributes(bad, 'Cluster', { clusterName: 'prod', vpc });
    const service = ecs.FargateService.fromFargateServiceAttributes(bad, 'Service', {
      serviceArn: SERVICE,
      cluster,
    });
    const group = elbv2.ApplicationTargetGroup.fromTargetGroupAttributes(bad, 'Blue', {
      targetGroupArn: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/web-blue/73e2d6bc24d8a067`,
    });
    const listener = { listenerRuleArn: TEST_RULE } as elbv2.ApplicationListenerRule;
    const make = (config: Partial<Parameters<typeof Object.assign>[0]>, id: string) =>
      new EcsDeploymentGroup(bad, id, {
        stepDeploy,
        applicationName: 'shop',
        deploymentGroupName: id.toLowerCase(),
        service,
        blueGreenDeploymentConfig: { blueTargetGroup: group, greenTargetGroup: group, listener, ...config },
      });
    expect(() => make({ terminationWaitTime: Duration.days(3) }, 'Long')).toThrow(
      /terminationWaitTime must be whole minutes from 0 to 2880/,
    );
    expect(() => make({}, 'Same')).toThrow(/blueTargetGroup and greenTargetGroup are the same target group/);
  });
});

/** IAM's quota on a role's inline policies, in characters (reference/platform-facts.md). */
const ROLE_INLINE_POLICY_LIMIT = 10_240;

/**
 * Characters of every inline policy attached to each role, as IAM counts them (JSON without
 * whitespace). CloudFormation intrinsics stand for ARNs: each is counted as a 90-character ARN.
 */
function inlinePolicyCharacters(resources: Record<string, Resource>): Map<string, number> {
  const arn = 'arn:aws:lambda:eu-west-1:123456789012:function:' + 'x'.repeat(43);
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value && typeof value === 'object') {
      const keys = Object.keys(value);
      if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]?.startsWith('Fn::'))) return arn;
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
    }
    return value;
  };
  const sizes = new Map<string, number>();
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') continue;
    const size = JSON.stringify(resolve(resource.Properties.PolicyDocument)).length;
    for (const role of resource.Properties.Roles as Array<{ Ref: string }>) {
      sizes.set(role.Ref, (sizes.get(role.Ref) ?? 0) + size);
    }
  }
  return sizes;
}

describe('a group of 10,000 instances', () => {
  const instanceIds = Array.from({ length: 10_000 }, (_, k) => `i-${k.toString(16).padStart(17, '0')}`);

  function synth(declare: (stack: Stack, stepDeploy: StepDeploy) => void): Record<string, Resource> {
    const app = testApp();
    const stack = new Stack(app, 'Fleet', { env: { account: '123456789012', region: 'eu-west-1' } });
    const stepDeploy = new StepDeploy(stack, 'StepDeploy');
    declare(stack, stepDeploy);
    app.synth();
    return Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
  }

  it('listed by instance id synthesises with every role far under IAM inline-policy quota, no instance named', () => {
    const resources = synth((stack, stepDeploy) => {
      new ServerDeploymentGroup(stack, 'Fleet', {
        stepDeploy,
        applicationName: 'shop',
        deploymentGroupName: 'fleet',
        instanceIds,
      });
    });
    const sizes = inlinePolicyCharacters(resources);
    const largest = Math.max(...sizes.values());
    expect(largest).toBeLessThan(ROLE_INLINE_POLICY_LIMIT / 2);
    const policies = JSON.stringify(
      Object.values(resources).filter((resource) => resource.Type === 'AWS::IAM::Policy'),
    );
    expect(policies).not.toContain(instanceIds[0]);
    expect(policies).not.toContain(instanceIds[9_999]);
    console.info(`largest inline policies of a role, 10,000 instance ids: ${largest} characters`);
  });

  it('selected by tags and an Auto Scaling group grants SendCommand by tag condition, as small whatever the fleet', () => {
    const resources = synth((stack, stepDeploy) => {
      new ServerDeploymentGroup(stack, 'Fleet', {
        stepDeploy,
        applicationName: 'shop',
        deploymentGroupName: 'fleet',
        ec2TagFilters: [{ key: 'app', value: 'shop' }, { key: 'fleet' }],
        onPremisesInstanceTagFilters: [{ key: 'site', value: 'dc-1' }],
        autoScalingGroups: ['shop-web-asg'],
      });
    });
    const sizes = inlinePolicyCharacters(resources);
    expect(Math.max(...sizes.values())).toBeLessThan(ROLE_INLINE_POLICY_LIMIT / 2);
    const statements = Object.values(resources)
      .filter((resource) => resource.Type === 'AWS::IAM::Policy')
      .flatMap(
        (policy) =>
          (policy.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement,
      )
      .filter((statement) => [statement.Action].flat().includes('ssm:SendCommand') && statement.Condition);
    expect(statements.map((statement) => statement.Condition)).toEqual(
      expect.arrayContaining([
        { StringEquals: { 'ssm:resourceTag/app': ['shop'] } },
        { Null: { 'ssm:resourceTag/fleet': 'false' } },
        { StringEquals: { 'ssm:resourceTag/aws:autoscaling:groupName': ['shop-web-asg'] } },
        { StringEquals: { 'ssm:resourceTag/site': ['dc-1'] } },
      ]),
    );
    console.info(
      `largest inline policies of a role, tag-selected fleet: ${Math.max(...sizes.values())} characters`,
    );
  });

  it('refuses more than 10,000 listed ids, and a group that selects no instance, naming the fix', () => {
    const stack = new Stack(testApp(), 'TooMany');
    const stepDeploy = new StepDeploy(stack, 'StepDeploy');
    expect(
      () =>
        new ServerDeploymentGroup(stack, 'Huge', {
          stepDeploy,
          applicationName: 'shop',
          deploymentGroupName: 'huge',
          instanceIds: [...instanceIds, 'i-0ffffffffffffffff'],
        }),
    ).toThrow(/at most 10000 may be listed\. Select a larger fleet by tags/);
    expect(
      () =>
        new ServerDeploymentGroup(stack, 'Nothing', {
          stepDeploy,
          applicationName: 'shop',
          deploymentGroupName: 'nothing',
          ec2TagFilters: [{ type: 'KEY_AND_VALUE', key: 'app' }],
        }),
    ).toThrow(/ec2TagFilters\[0\] is KEY_AND_VALUE and needs a value/);
  });
});

describe('ServerDeploymentGroup blue/green', () => {
  function synthGroup(props: Partial<ConstructorParameters<typeof ServerDeploymentGroup>[2]>) {
    const app = testApp();
    const stack = new Stack(app, 'BlueGreen', { env: { account: '123456789012', region: 'eu-west-1' } });
    const stepDeploy = new StepDeploy(stack, 'StepDeploy');
    const targetGroup = elbv2.ApplicationTargetGroup.fromTargetGroupAttributes(stack, 'Web', {
      targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/0123456789abcdef',
    });
    new ServerDeploymentGroup(stack, 'Group', {
      stepDeploy,
      applicationName: 'shop',
      deploymentGroupName: 'web',
      targetGroups: [targetGroup],
      ...props,
    });
    // Throws on any unacknowledged cdk-nag finding.
    app.synth();
    const resources = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
    const statements = Object.values(resources)
      .filter((resource) => resource.Type === 'AWS::IAM::Policy')
      .flatMap(
        (policy) =>
          (policy.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement,
      );
    return { resources, statements };
  }
  const withAction = (statements: Array<Record<string, unknown>>, action: string) =>
    statements.filter((statement) => [statement.Action].flat().includes(action));
  const arn = (resource: unknown) => JSON.stringify(resource);

  it('declares the blue/green group and grants the Auto Scaling calls on its group and its copies only, cdk-nag clean', () => {
    const { resources, statements } = synthGroup({
      autoScalingGroups: ['web-asg'],
      blueGreen: { deploymentApprovalWaitTime: Duration.hours(1), terminationWaitTime: Duration.minutes(30) },
    });
    // The group's CONFIG item (DynamoDB's attribute values, inside the custom resource's call).
    const declared = JSON.stringify(resources);
    for (const value of [
      'BLUE_GREEN',
      'WITH_TRAFFIC_CONTROL',
      'COPY_AUTO_SCALING_GROUP',
      'STOP_DEPLOYMENT',
      'TERMINATE',
    ]) {
      expect(declared).toContain(`{\\"S\\":\\"${value}\\"}`);
    }
    const creates = withAction(statements, 'autoscaling:CreateAutoScalingGroup');
    expect(creates.length).toBeGreaterThan(0);
    for (const statement of creates) {
      const resourcesText = arn(statement.Resource);
      expect(resourcesText).toContain('autoScalingGroupName/web-asg');
      expect(resourcesText).toContain('autoScalingGroupName/CodeDeploy_web_*');
      expect([statement.Action].flat().sort()).toEqual([
        'autoscaling:CreateAutoScalingGroup',
        'autoscaling:CreateOrUpdateTags',
        'autoscaling:DeleteAutoScalingGroup',
      ]);
    }
    for (const statement of withAction(statements, 'ec2:RunInstances')) {
      expect(statement.Condition).toEqual({ Null: { 'ec2:LaunchTemplate': 'false' } });
    }
    // No action is a wildcard, and no Auto Scaling or EC2 write is granted on "*".
    expect(statements.every((s) => [s.Action].flat().every((a) => !String(a).includes('*')))).toBe(true);
    for (const action of [
      'autoscaling:DeleteAutoScalingGroup',
      'ec2:TerminateInstances',
      'ec2:RunInstances',
    ]) {
      for (const statement of withAction(statements, action)) expect(statement.Resource).not.toBe('*');
    }
  });

  it("terminates discovered originals only by the group's EC2 tags", () => {
    const { statements } = synthGroup({
      ec2TagFilters: [{ key: 'app', value: 'shop' }, { key: 'fleet' }],
      blueGreen: { greenFleetProvisioning: 'DISCOVER_EXISTING' },
    });
    expect(withAction(statements, 'ec2:TerminateInstances').map((s) => s.Condition)).toEqual(
      expect.arrayContaining([
        { StringEquals: { 'ec2:ResourceTag/app': ['shop'] } },
        { Null: { 'ec2:ResourceTag/fleet': 'false' } },
      ]),
    );
    expect(withAction(statements, 'autoscaling:CreateAutoScalingGroup')).toEqual([]);
  });

  it('refuses what CodeDeploy refuses, naming the fix', () => {
    expect(() =>
      synthGroup({
        ec2TagFilters: [{ key: 'app', value: 'shop' }],
        blueGreen: { greenFleetProvisioning: 'COPY_AUTO_SCALING_GROUP' },
      }),
    ).toThrow(/give exactly one in autoScalingGroups/);
    expect(() =>
      synthGroup({
        autoScalingGroups: ['web-asg'],
        blueGreen: { originals: 'KEEP_ALIVE', terminationWaitTime: Duration.minutes(5) },
      }),
    ).toThrow(/KEEP_ALIVE never terminates the originals/);
    expect(() => synthGroup({ autoScalingGroups: ['web-asg'], targetGroups: [], blueGreen: {} })).toThrow(
      /give targetGroups/,
    );
    expect(() =>
      synthGroup({ autoScalingGroups: ['web-asg'], blueGreen: { terminationWaitTime: Duration.days(3) } }),
    ).toThrow(/terminationWaitTime is at most 2880 minutes/);
  });
});
