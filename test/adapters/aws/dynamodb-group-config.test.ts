import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploymentGroupConfigUpdate } from '../../../functions/adapters/aws/dynamodb-group-config.js';
import { LOCAL_TABLE_NAME, startLocalDatabase, type LocalDatabase } from '../../../local/runtime/dynalite.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

let database: LocalDatabase;
let client: DynamoDBClient;

beforeAll(async () => {
  database = await startLocalDatabase({ transport: 'tcp' });
  client = new DynamoDBClient({
    endpoint: database.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

afterAll(async () => {
  client.destroy();
  await database.close();
});

describe('deploymentGroupConfigUpdate (what the CDK deployment-group constructs write)', () => {
  it('creates a group the store reads back, then keeps its history when the declaration changes', async () => {
    const declared = {
      applicationName: 'shop#1',
      deploymentGroupName: 'prod',
      deploymentGroupId: 'f3c1e2d4-0000-4000-8000-000000000001',
      computePlatform: 'Server' as const,
      deploymentConfigName: 'CodeDeployDefault.HalfAtATime',
      instanceIds: ['i-0abc', 'mi-0def'],
      targetGroupNames: ['web'],
      alarmConfiguration: { enabled: true, ignorePollAlarmFailure: false, alarms: [{ name: 'shop-5xx' }] },
    };
    await client.send(new UpdateItemCommand(deploymentGroupConfigUpdate(LOCAL_TABLE_NAME, declared)));
    expect(await database.store.getDeploymentGroup('shop#1', 'prod')).toEqual(declared);

    // A deployment records its outcome on the group...
    const group = await database.store.getDeploymentGroup('shop#1', 'prod');
    await database.store.putDeploymentGroup({
      ...group!,
      lastSuccessfulDeploymentId: 'd-AAAAAAAAA',
      instanceHealth: { 'i-0abc': 'Healthy' },
    });

    // ...and a stack update that drops the target groups and changes the config keeps that outcome.
    const { targetGroupNames: _dropped, ...redeclared } = {
      ...declared,
      deploymentConfigName: 'CodeDeployDefault.OneAtATime',
    };
    await client.send(new UpdateItemCommand(deploymentGroupConfigUpdate(LOCAL_TABLE_NAME, redeclared)));
    expect(await database.store.getDeploymentGroup('shop#1', 'prod')).toEqual({
      ...redeclared,
      lastSuccessfulDeploymentId: 'd-AAAAAAAAA',
      instanceHealth: { 'i-0abc': 'Healthy' },
    });
  });
});
