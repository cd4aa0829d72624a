/**
 * The two EventBridge-target Lambda handlers end to end: the real handler module, its AWS adapters
 * built by awsStepDeps from the environment the stack sets, the store on dynalite (reached through
 * AWS_ENDPOINT_URL_DYNAMODB, as the SDK honours it), Step Functions and EventBridge mocked at the SDK.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as onExecutionEnded } from '../../functions/handlers/on-execution-ended.js';
import { handler as onRevisionUploaded } from '../../functions/handlers/on-revision-uploaded.js';
import { ENV } from '../../functions/runtime/env.js';
import { LOCAL_TABLE_NAME, startLocalDatabase, type LocalDatabase } from '../../local/runtime/dynalite.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const SERVER_MACHINE = 'arn:aws:states:us-east-1:111122223333:stateMachine:stepdeploy-server';
const sfn = mockClient(SFNClient);
const eventBridge = mockClient(EventBridgeClient);
// The suite shares modules between files (isolate: false): the clients' send goes back as it was.
afterAll(() => {
  sfn.restore();
  eventBridge.restore();
});
// Lambda's context object: the handlers do not read it.
const context = {} as Parameters<typeof onExecutionEnded>[1];
let db: LocalDatabase;
const saved = { ...process.env };

beforeAll(async () => {
  db = await startLocalDatabase({ transport: 'tcp' });
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
    [ENV.tableName]: LOCAL_TABLE_NAME,
    [ENV.stateMachineArns]: JSON.stringify({ 'Server:IN_PLACE': SERVER_MACHINE }),
  });
  await db.store.putDeploymentGroup({
    applicationName: 'shop',
    deploymentGroupName: 'web',
    deploymentGroupId: 'dg-web',
    computePlatform: 'Server',
    instanceIds: ['i-1'],
  });
});

afterAll(async () => {
  process.env = saved;
  await db.close();
});

beforeEach(() => {
  sfn.reset();
  eventBridge.reset();
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:execution', startDate: new Date() });
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
});

describe('on-revision-uploaded handler', () => {
  const event = {
    source: 'aws.s3',
    'detail-type': 'Object Created',
    detail: {
      bucket: { name: 'revisions' },
      object: { key: 'shop/web/build.zip', size: 10, etag: 'abc', 'version-id': 'v1', sequencer: '01' },
    },
  };

  it('starts the Server state machine, named after a deployment id the object version determines', async () => {
    const first = await onRevisionUploaded(event, context);
    const again = await onRevisionUploaded(event, context);
    expect(first).toEqual(again);
    expect(first).toMatchObject({ started: true, deploymentId: expect.stringMatching(/^d-[A-Z0-9]{9}$/) });
    const calls = sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input);
    expect(calls).toHaveLength(2);
    expect(calls[0]).toEqual(calls[1]);
    expect(calls[0]?.stateMachineArn).toBe(SERVER_MACHINE);
    expect(calls[0]?.name).toBe(first.started ? first.deploymentId : '');
    expect(JSON.parse(calls[0]?.input ?? '{}')).toMatchObject({
      applicationName: 'shop',
      deploymentGroupName: 'web',
      revision: {
        s3Location: { bucket: 'revisions', key: 'shop/web/build.zip', version: 'v1', eTag: 'abc' },
      },
    });
  });

  it('answers, without throwing, an event it cannot use', async () => {
    expect(await onRevisionUploaded({ source: 'aws.s3', 'detail-type': 'Object Deleted' }, context)).toEqual({
      started: false,
      reason: 'The event is not an S3 "Object Created" event (source aws.s3).',
    });
    expect(sfn.commandCalls(StartExecutionCommand)).toEqual([]);
  });
});

describe('on-execution-ended handler', () => {
  it('ends the deployment of an aborted execution as Failed and publishes its FAILURE event', async () => {
    await db.store.acquireGroupLock('shop', 'web', 'd-ABORTED01', {
      untilMs: Date.parse('2099-01-01T00:00:00Z'),
      nowMs: Date.now(),
    });
    await db.store.createDeployment({
      deploymentId: 'd-ABORTED01',
      applicationName: 'shop',
      deploymentGroupName: 'web',
      computePlatform: 'Server',
      deploymentConfigName: 'CodeDeployDefault.OneAtATime',
      status: 'InProgress',
      creator: 'user',
      revision: { revisionType: 'S3' },
      createTime: '2025-03-01T11:00:00.000Z',
    });
    const executionArn = 'arn:aws:states:us-east-1:111122223333:execution:stepdeploy-server:d-ABORTED01';
    const result = await onExecutionEnded(
      {
        source: 'aws.states',
        'detail-type': 'Step Functions Execution Status Change',
        detail: {
          executionArn,
          stateMachineArn: SERVER_MACHINE,
          name: 'd-ABORTED01',
          status: 'ABORTED',
          input: JSON.stringify({ applicationName: 'shop', deploymentGroupName: 'web' }),
        },
      },
      context,
    );
    expect(result).toEqual({
      ended: true,
      deploymentId: 'd-ABORTED01',
      status: 'Failed',
      errorCode: 'INTERNAL_ERROR',
      // No batch was under way and the group has no load balancer: no traffic to put back.
      restored: false,
    });
    expect(await db.store.getDeployment('d-ABORTED01')).toMatchObject({
      status: 'Failed',
      errorInformation: {
        code: 'INTERNAL_ERROR',
        message: expect.stringContaining(`${executionArn} was ABORTED`),
      },
    });
    expect(await db.store.getGroupLockHolder('shop', 'web')).toBeUndefined();
    const published = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(JSON.parse(published?.Detail ?? '{}')).toMatchObject({
      deploymentId: 'd-ABORTED01',
      state: 'FAILURE',
    });
  });

  it('ignores a status the rule should not have matched', async () => {
    const result = await onExecutionEnded(
      {
        source: 'aws.states',
        'detail-type': 'Step Functions Execution Status Change',
        detail: { executionArn: 'arn:x', name: 'd-SUCCEED01', status: 'SUCCEEDED' },
      },
      context,
    );
    expect(result).toEqual({
      ended: false,
      reason:
        'The execution arn:x is SUCCEEDED, not one of TIMED_OUT, ABORTED, FAILED; the rule should match only those.',
    });
  });
});
