import { DeleteItemCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { PendingWaits } from '../../../ports/deployment-store.js';
import { marshallItem } from '../dynamodb-marshalling.js';
import { waitKey } from './keys.js';
import { pendingWaitOf } from './stored-items.js';
import { s, type DynamoTable } from './table.js';

export const PENDING_WAITS_IAM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:DeleteItem',
] as const;

/** The one token a deployment is parked on, beside its deployment item. */
export function dynamoDbPendingWaits(table: DynamoTable): PendingWaits {
  const { client, name: TableName } = table;
  return {
    async putPendingWait(wait) {
      // Unconditional: a deployment is parked on one token at a time, and the newest wait replaces it.
      await table.call('PutItem', `DEPLOYMENT#${wait.deploymentId}`, () =>
        client.send(
          new PutItemCommand({ TableName, Item: { ...marshallItem(wait), ...waitKey(wait.deploymentId) } }),
        ),
      );
    },

    async getPendingWait(deploymentId) {
      const { Item } = await table.call('GetItem', `DEPLOYMENT#${deploymentId}`, () =>
        client.send(new GetItemCommand({ TableName, Key: waitKey(deploymentId), ConsistentRead: true })),
      );
      return Item ? pendingWaitOf(Item) : undefined;
    },

    async clearPendingWait(deploymentId, taskToken) {
      // A failed condition means a later wait replaced this one (or none is left): keep it.
      await table.attempt('DeleteItem', `DEPLOYMENT#${deploymentId}`, () =>
        client.send(
          new DeleteItemCommand({
            TableName,
            Key: waitKey(deploymentId),
            ConditionExpression: 'taskToken = :token',
            ExpressionAttributeValues: { ':token': s(taskToken) },
          }),
        ),
      );
    },
  };
}
