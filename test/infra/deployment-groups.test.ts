import { PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { dynamoDbControlPlaneStores } from '../../functions/adapters/aws/dynamodb-control-plane.js';
import {
  handleCodeDeployRequest,
  TARGET_PREFIX,
  type ControlPlane,
} from '../../functions/api/codedeploy-api.js';
import type { DeploymentUseCases } from '../../functions/api/deployments.js';
import { ServerDeploymentGroup } from '../../infra/deployment-groups.js';
import { startLocalDatabase } from '../../local/runtime/dynalite.js';
import { StepDeploy } from '../../infra/step-deploy.js';
import { stackWithGroups, testApp, type Fixture } from './stack-fixture.js';

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

  it('write the application and the listing item too: the API lists and reads a declared group as one it created', async () => {
    const writes = groupWrites();
    // Per group: its CONFIG item, its application, its listing item.
    expect(writes).toHaveLength(6);
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
      expect((await api('ListApplications', {})).applications).toEqual(['shop-api', 'shop-web']);
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
    ).toThrow(/instanceIds is empty/);
  });

  it('refuse a hook prefix that is not a function-name prefix', () => {
    const stack = new Stack(testApp(), 'Prefix');
    expect(() => new StepDeploy(stack, 'StepDeploy', { hookFunctionPrefix: 'hooks/*' })).toThrow(
      /hookFunctionPrefix/,
    );
  });
});
