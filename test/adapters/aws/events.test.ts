import { EventBridgeClient, PutEventsCommand, ResourceNotFoundException } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsEvents } from '../../../functions/adapters/aws/events.js';
import type { StateChangeEvent } from '../../../functions/ports/events.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const eventBridge = mockClient(EventBridgeClient);
// The suite shares modules between files (isolate: false): the clients' send goes back as it was.
afterAll(() => {
  eventBridge.restore();
});
const client = new EventBridgeClient({ region: 'us-east-1' });

const event: StateChangeEvent = {
  source: 'stepdeploy',
  detailType: 'CodeDeploy Deployment State-change Notification',
  resources: ['arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:shop/prod'],
  detail: { deploymentId: 'd-ABCDEFGHI', state: 'SUCCESS', application: 'shop' },
};

beforeEach(() => eventBridge.reset());

describe('AwsEvents', () => {
  it('puts one entry on the default bus', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    await new AwsEvents(client).publish(event);
    expect(eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input)).toEqual([
      {
        Entries: [
          {
            EventBusName: 'default',
            Source: 'stepdeploy',
            DetailType: 'CodeDeploy Deployment State-change Notification',
            Resources: ['arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:shop/prod'],
            Detail: '{"deploymentId":"d-ABCDEFGHI","state":"SUCCESS","application":"shop"}',
          },
        ],
      },
    ]);
  });

  it('puts the entry on a configured bus', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0 });
    await new AwsEvents(client, 'deployments').publish(event);
    expect(eventBridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [expect.objectContaining({ EventBusName: 'deployments', Source: 'stepdeploy' })],
    });
  });

  it('throws EventPublishFailedError when EventBridge rejects the entry', async () => {
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' }],
    });
    await expect(new AwsEvents(client).publish(event)).rejects.toMatchObject({
      name: 'EventPublishFailedError',
      code: 'MalformedDetail',
      message: expect.stringContaining('Detail is malformed.'),
    });
  });

  it('throws ThrottlingError when the entry was rejected for throttling, so a Retry applies', async () => {
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }],
    });
    await expect(new AwsEvents(client).publish(event)).rejects.toMatchObject({ name: 'ThrottlingError' });
  });

  it('turns a missing bus into ResourceNotFoundError', async () => {
    eventBridge
      .on(PutEventsCommand)
      .rejects(
        new ResourceNotFoundException({ message: 'Event bus deployments does not exist.', $metadata: {} }),
      );
    await expect(new AwsEvents(client, 'deployments').publish(event)).rejects.toMatchObject({
      name: 'ResourceNotFoundError',
      resource: 'deployments',
    });
  });
});
