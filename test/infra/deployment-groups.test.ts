import { Stack } from 'aws-cdk-lib';
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
    ).toThrow(/instanceIds is empty/);
  });

  it('refuse a hook prefix that is not a function-name prefix', () => {
    const stack = new Stack(testApp(), 'Prefix');
    expect(() => new StepDeploy(stack, 'StepDeploy', { hookFunctionPrefix: 'hooks/*' })).toThrow(
      /hookFunctionPrefix/,
    );
  });
});
