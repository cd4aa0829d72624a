import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ServerDeploymentGroup } from '../../infra/deployment-groups.js';
import { StepDeploy } from '../../infra/step-deploy.js';
import { stackWithGroups, testApp, type Fixture } from './stack-fixture.js';

type Resource = { Type: string; Properties: Record<string, unknown> };

let fixture: Fixture;
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
    const writes = groupWrites();
    expect(writes).toHaveLength(2);
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
