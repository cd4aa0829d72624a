import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  QueryCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  ScanCommand,
  ThrottlingException,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createTable,
  createTableInput,
  dynamoDbDeploymentStore,
  tableDefinition,
} from '../../../functions/adapters/aws/dynamodb-store.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** A lease that runs out long after the test. */
const LEASE = { untilMs: Date.parse('2099-01-01T00:00:00Z'), nowMs: Date.parse('2026-01-01T00:00:00Z') };
const dynamodb = mockClient(DynamoDBClient);
// The suite shares modules between files (isolate: false): the clients' send goes back as it was.
afterAll(() => {
  dynamodb.restore();
});
const client = new DynamoDBClient({ region: 'us-east-1' });
const store = dynamoDbDeploymentStore(client, 'stepdeploy');
/** The attributes that make a stored item a deployment record. */
const deploymentItem = (deploymentId: string) => ({
  deploymentId: { S: deploymentId },
  computePlatform: { S: 'Server' },
  status: { S: 'Succeeded' },
});
const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

beforeEach(() => dynamodb.reset());

describe('the DynamoDB store commands', () => {
  it('creates a deployment with a conditional PutItem carrying the index keys', async () => {
    await store.createDeployment({
      deploymentId: 'd-ABCDEFGHI',
      applicationName: 'shop',
      deploymentGroupName: 'prod',
      computePlatform: 'Lambda',
      deploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce',
      status: 'Created',
      creator: 'user',
      revision: { revisionType: 'String', string: { content: 'x' } },
      createTime: '2024-05-01T10:00:00.000Z',
      description: undefined,
    });
    expect(dynamodb.commandCalls(PutItemCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: 'stepdeploy',
        ConditionExpression: 'attribute_not_exists(pk)',
        Item: {
          pk: { S: 'DEPLOYMENT#d-ABCDEFGHI' },
          sk: { S: 'DEPLOYMENT' },
          gsi1pk: { S: 'APP#shop#prod' },
          gsi1sk: { S: '2024-05-01T10:00:00.000Z' },
          deploymentId: { S: 'd-ABCDEFGHI' },
          applicationName: { S: 'shop' },
          deploymentGroupName: { S: 'prod' },
          computePlatform: { S: 'Lambda' },
          deploymentConfigName: { S: 'CodeDeployDefault.LambdaAllAtOnce' },
          status: { S: 'Created' },
          creator: { S: 'user' },
          revision: { M: { revisionType: { S: 'String' }, string: { M: { content: { S: 'x' } } } } },
          createTime: { S: '2024-05-01T10:00:00.000Z' },
        },
      },
    ]);
  });

  it('updates with SET/REMOVE and a status condition, returning the new record', async () => {
    dynamodb.on(UpdateItemCommand).resolves({
      Attributes: {
        pk: { S: 'DEPLOYMENT#d-1' },
        sk: { S: 'DEPLOYMENT' },
        deploymentId: { S: 'd-1' },
        computePlatform: { S: 'Lambda' },
        status: { S: 'InProgress' },
      },
    });
    const record = await store.updateDeployment('d-1', { status: 'InProgress', stopRequest: undefined }, [
      'Created',
      'Queued',
    ]);
    expect(record).toEqual({ deploymentId: 'd-1', computePlatform: 'Lambda', status: 'InProgress' });
    expect(dynamodb.commandCalls(UpdateItemCommand)[0]?.args[0].input).toEqual({
      TableName: 'stepdeploy',
      Key: { pk: { S: 'DEPLOYMENT#d-1' }, sk: { S: 'DEPLOYMENT' } },
      UpdateExpression: 'SET #n0 = :v0 REMOVE #n1',
      ConditionExpression: 'attribute_exists(pk) AND #n2 IN (:v1, :v2)',
      ExpressionAttributeNames: { '#n0': 'status', '#n1': 'stopRequest', '#n2': 'status' },
      ExpressionAttributeValues: {
        ':v0': { S: 'InProgress' },
        ':v1': { S: 'Created' },
        ':v2': { S: 'Queued' },
      },
      ReturnValues: 'ALL_NEW',
    });
  });

  it('turns a failed status condition into DeploymentStatusConflictError naming the actual status', async () => {
    dynamodb.on(UpdateItemCommand).rejects(conditionFailed());
    dynamodb.on(GetItemCommand).resolves({
      Item: { deploymentId: { S: 'd-1' }, computePlatform: { S: 'Server' }, status: { S: 'Stopped' } },
    });
    await expect(
      store.updateDeployment('d-1', { status: 'Succeeded' }, ['InProgress']),
    ).rejects.toMatchObject({
      name: 'DeploymentStatusConflictError',
      message: expect.stringContaining('is Stopped, expected one of: InProgress'),
    });
    expect(dynamodb).toHaveReceivedCommandWith(GetItemCommand, {
      Key: { pk: { S: 'DEPLOYMENT#d-1' }, sk: { S: 'DEPLOYMENT' } },
      ConsistentRead: true,
    });
  });

  it('takes the lock with a conditional PutItem and names the holder when the condition fails', async () => {
    dynamodb.on(PutItemCommand).rejects(conditionFailed());
    dynamodb.on(GetItemCommand).resolves({ Item: { activeDeploymentId: { S: 'd-HOLDER000' } } });
    await expect(store.acquireGroupLock('shop', 'prod', 'd-NEWCOMER0', LEASE)).rejects.toMatchObject({
      name: 'DeploymentLimitExceededException',
      message: "The Deployment Group 'prod' already has an active Deployment 'd-HOLDER000'",
    });
    expect(dynamodb.commandCalls(PutItemCommand)[0]?.args[0].input).toEqual({
      TableName: 'stepdeploy',
      Item: {
        pk: { S: 'GROUP#shop#prod' },
        sk: { S: 'LOCK' },
        activeDeploymentId: { S: 'd-NEWCOMER0' },
        applicationName: { S: 'shop' },
        deploymentGroupName: { S: 'prod' },
        leaseExpiresAt: { N: String(LEASE.untilMs) },
      },
      ConditionExpression: 'attribute_not_exists(pk) OR activeDeploymentId = :me OR leaseExpiresAt < :now',
      ExpressionAttributeValues: { ':me': { S: 'd-NEWCOMER0' }, ':now': { N: String(LEASE.nowMs) } },
    });
  });

  it('retries the lock when the holder released it between the write and the read', async () => {
    dynamodb.on(PutItemCommand).rejectsOnce(conditionFailed()).resolves({});
    dynamodb.on(GetItemCommand).resolves({});
    await store.acquireGroupLock('shop', 'prod', 'd-NEWCOMER0', LEASE);
    expect(dynamodb).toHaveReceivedCommandTimes(PutItemCommand, 2);
  });

  it('names lock contention GroupLockContendedError once the lock changed hands on every attempt', async () => {
    // Each write finds the lock taken, and each read finds it free again: it keeps changing hands.
    dynamodb.on(PutItemCommand).rejects(conditionFailed());
    dynamodb.on(GetItemCommand).resolves({});
    await expect(store.acquireGroupLock('shop', 'prod', 'd-NEWCOMER0', LEASE)).rejects.toMatchObject({
      name: 'GroupLockContendedError',
      message: expect.stringContaining('shop/prod changed hands on each of 3 attempts'),
    });
    expect(dynamodb).toHaveReceivedCommandTimes(PutItemCommand, 3);
  });

  it('releases the lock with a DeleteItem conditional on the holder, and ignores a failed condition', async () => {
    dynamodb.on(DeleteItemCommand).rejects(conditionFailed());
    await expect(store.releaseGroupLock('shop', 'prod', 'd-NOTHOLDER')).resolves.toBeUndefined();
    expect(dynamodb.commandCalls(DeleteItemCommand)[0]?.args[0].input).toEqual({
      TableName: 'stepdeploy',
      Key: { pk: { S: 'GROUP#shop#prod' }, sk: { S: 'LOCK' } },
      ConditionExpression: 'activeDeploymentId = :me',
      ExpressionAttributeValues: { ':me': { S: 'd-NOTHOLDER' } },
    });
  });

  it('completes a hook with an UpdateItem conditional on Pending', async () => {
    dynamodb.on(UpdateItemCommand).resolves({
      Attributes: { lifecycleEventHookExecutionId: { S: 'h-1' }, status: { S: 'Failed' } },
    });
    await store.completeHookExecution('h-1', 'Failed');
    expect(dynamodb.commandCalls(UpdateItemCommand)[0]?.args[0].input).toEqual({
      TableName: 'stepdeploy',
      Key: { pk: { S: 'HOOK#h-1' }, sk: { S: 'HOOK' } },
      UpdateExpression: 'SET #status = :status',
      ConditionExpression: 'attribute_exists(pk) AND #status = :pending',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':status': { S: 'Failed' }, ':pending': { S: 'Pending' } },
      ReturnValues: 'ALL_NEW',
    });
  });

  it('turns a failed hook condition on an existing hook into LifecycleEventAlreadyCompletedException', async () => {
    dynamodb.on(UpdateItemCommand).rejects(conditionFailed());
    dynamodb.on(GetItemCommand).resolves({ Item: { status: { S: 'Succeeded' } } });
    await expect(store.completeHookExecution('h-1', 'Succeeded')).rejects.toMatchObject({
      name: 'LifecycleEventAlreadyCompletedException',
    });
  });

  it('clears a pending wait only when it holds the token', async () => {
    await store.clearPendingWait('d-1', 'token-1');
    expect(dynamodb.commandCalls(DeleteItemCommand)[0]?.args[0].input).toEqual({
      TableName: 'stepdeploy',
      Key: { pk: { S: 'DEPLOYMENT#d-1' }, sk: { S: 'WAIT' } },
      ConditionExpression: 'taskToken = :token',
      ExpressionAttributeValues: { ':token': { S: 'token-1' } },
    });
  });

  it('lists a group through the byGroup index newest first, following LastEvaluatedKey', async () => {
    dynamodb
      .on(QueryCommand)
      .resolvesOnce({ Items: [deploymentItem('d-2')], LastEvaluatedKey: { pk: { S: 'next' } } })
      .resolvesOnce({ Items: [deploymentItem('d-1')] });
    const records = await store.listDeployments({ applicationName: 'shop', deploymentGroupName: 'prod' });
    expect(records.map((record) => record.deploymentId)).toEqual(['d-2', 'd-1']);
    expect(dynamodb.commandCalls(QueryCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: 'stepdeploy',
        IndexName: 'byGroup',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'APP#shop#prod' } },
        ScanIndexForward: false,
      },
      {
        TableName: 'stepdeploy',
        IndexName: 'byGroup',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'APP#shop#prod' } },
        ScanIndexForward: false,
        ExclusiveStartKey: { pk: { S: 'next' } },
      },
    ]);
  });

  it('lists without a group through a Scan filtered to deployment items', async () => {
    dynamodb.on(ScanCommand).resolves({ Items: [] });
    await store.listDeployments({ applicationName: 'shop' });
    expect(dynamodb.commandCalls(ScanCommand)[0]?.args[0].input).toEqual({
      TableName: 'stepdeploy',
      FilterExpression: 'sk = :deployment AND applicationName = :app',
      ExpressionAttributeValues: { ':deployment': { S: 'DEPLOYMENT' }, ':app': { S: 'shop' } },
    });
  });

  it('claims an execution name with attribute_not_exists and returns the earlier claim', async () => {
    dynamodb.on(PutItemCommand).rejects(conditionFailed());
    dynamodb.on(GetItemCommand).resolves({ Item: { deploymentId: { S: 'd-FIRST0000' } } });
    expect(await store.claimExecutionName('action-1', 'd-SECOND000')).toBe('d-FIRST0000');
    expect(dynamodb.commandCalls(PutItemCommand)[0]?.args[0].input).toEqual({
      TableName: 'stepdeploy',
      Item: {
        pk: { S: 'EXECUTION#action-1' },
        sk: { S: 'EXECUTION' },
        executionName: { S: 'action-1' },
        deploymentId: { S: 'd-SECOND000' },
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('queries alarm watches by alarm partition', async () => {
    dynamodb.on(QueryCommand).resolves({ Items: [{ deploymentId: { S: 'd-1' } }] });
    expect(await store.deploymentsWatchingAlarm('errors')).toEqual(['d-1']);
    expect(dynamodb.commandCalls(QueryCommand)[0]?.args[0].input).toEqual({
      TableName: 'stepdeploy',
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: 'ALARM#errors' } },
      ProjectionExpression: 'deploymentId',
    });
  });

  it.each([
    [
      'ProvisionedThroughputExceededException',
      new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }),
    ],
    ['ThrottlingException', new ThrottlingException({ message: 'slow down', $metadata: {} })],
  ])('turns %s into ThrottlingError', async (code, error) => {
    dynamodb.on(GetItemCommand).rejects(error);
    await expect(store.getDeployment('d-1')).rejects.toMatchObject({ name: 'ThrottlingError', code });
  });

  it('turns throttling of a conditional write into ThrottlingError, not a condition failure', async () => {
    dynamodb.on(PutItemCommand).rejects(new ThrottlingException({ message: 'slow down', $metadata: {} }));
    await expect(store.acquireGroupLock('shop', 'prod', 'd-1', LEASE)).rejects.toMatchObject({
      name: 'ThrottlingError',
    });
  });

  it('refuses to read an item that is not a deployment record as one (no platform, unknown status)', async () => {
    dynamodb
      .on(GetItemCommand)
      .resolvesOnce({ Item: { pk: { S: 'DEPLOYMENT#d-1' }, sk: { S: 'WAIT' }, deploymentId: { S: 'd-1' } } })
      .resolvesOnce({ Item: { ...deploymentItem('d-1'), status: { S: 'Finished' } } });
    await expect(store.getDeployment('d-1')).rejects.toThrow(
      'The stored item DEPLOYMENT#d-1 / WAIT is not a deployment record.',
    );
    await expect(store.getDeployment('d-1')).rejects.toThrow(/is not a deployment record/);
  });

  it('turns a missing table into ResourceNotFoundError', async () => {
    dynamodb
      .on(GetItemCommand)
      .rejects(new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: {} }));
    await expect(store.getHookExecution('h-1')).rejects.toMatchObject({ name: 'ResourceNotFoundError' });
  });
});

describe('table definition', () => {
  it('describes an on-demand pk/sk table with the byGroup index', () => {
    expect(createTableInput('t')).toEqual({
      TableName: 't',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'gsi1pk', AttributeType: 'S' },
        { AttributeName: 'gsi1sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byGroup',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    });
    expect(tableDefinition.globalSecondaryIndexes[0].indexName).toBe('byGroup');
  });

  it('accepts an existing table and waits for it to be ACTIVE', async () => {
    dynamodb
      .on(CreateTableCommand)
      .rejects(new ResourceInUseException({ message: 'Table already exists', $metadata: {} }));
    dynamodb.on(DescribeTableCommand).resolves({ Table: { TableStatus: 'ACTIVE' } });
    await createTable(client, 'stepdeploy');
    expect(dynamodb).toHaveReceivedCommandWith(DescribeTableCommand, { TableName: 'stepdeploy' });
  });
});
