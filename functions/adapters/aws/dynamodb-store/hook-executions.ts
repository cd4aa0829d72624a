import { GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { HookExecutions } from '../../../ports/deployment-store.js';
import { marshallItem } from '../dynamodb-marshalling.js';
import {
  InvalidLifecycleEventHookExecutionIdException,
  LifecycleEventAlreadyCompletedException,
} from '../errors.js';
import { hookKey } from './keys.js';
import { hookExecutionOf } from './stored-items.js';
import { s, type DynamoTable } from './table.js';

export const HOOK_EXECUTIONS_IAM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
] as const;

/** Hook executions by their unguessable id; only the first answer completes one. */
export function dynamoDbHookExecutions(table: DynamoTable): HookExecutions {
  const { client, name: TableName } = table;
  const read = async (hookExecutionId: string) => {
    const { Item } = await table.call('GetItem', `HOOK#${hookExecutionId}`, () =>
      client.send(new GetItemCommand({ TableName, Key: hookKey(hookExecutionId), ConsistentRead: true })),
    );
    return Item;
  };
  return {
    async putHookExecution(record) {
      await table.call('PutItem', `HOOK#${record.lifecycleEventHookExecutionId}`, () =>
        client.send(
          new PutItemCommand({
            TableName,
            Item: { ...marshallItem(record), ...hookKey(record.lifecycleEventHookExecutionId) },
          }),
        ),
      );
    },

    async getHookExecution(hookExecutionId) {
      const item = await read(hookExecutionId);
      return item ? hookExecutionOf(item) : undefined;
    },

    async completeHookExecution(hookExecutionId, status) {
      const update = await table.attempt('UpdateItem', `HOOK#${hookExecutionId}`, () =>
        client.send(
          new UpdateItemCommand({
            TableName,
            Key: hookKey(hookExecutionId),
            UpdateExpression: 'SET #status = :status',
            // Only the first answer counts, as with CodeDeploy's PutLifecycleEventHookExecutionStatus.
            ConditionExpression: 'attribute_exists(pk) AND #status = :pending',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':status': s(status), ':pending': s('Pending') },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      if (update.passed && update.value.Attributes) return hookExecutionOf(update.value.Attributes);
      if (!(await read(hookExecutionId)))
        throw new InvalidLifecycleEventHookExecutionIdException(
          `The lifecycle event hook execution '${hookExecutionId}' does not exist`,
        );
      throw new LifecycleEventAlreadyCompletedException(
        `The lifecycle event hook execution '${hookExecutionId}' has already completed`,
      );
    },
  };
}
