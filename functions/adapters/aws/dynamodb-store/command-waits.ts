import { DeleteItemCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { CommandWaits } from '../../../ports/deployment-store.js';
import { marshallItem } from '../dynamodb-marshalling.js';
import { commandKey } from './keys.js';
import { commandWaitOf } from './stored-items.js';
import type { DynamoTable } from './table.js';

export const COMMAND_WAITS_IAM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:DeleteItem',
] as const;

/** Lifecycle-event commands in flight, by command id; taking one is a delete that returns it. */
export function dynamoDbCommandWaits(table: DynamoTable): CommandWaits {
  const { client, name: TableName } = table;
  return {
    async putCommandWait(wait) {
      await table.call('PutItem', `COMMAND#${wait.commandId}`, () =>
        client.send(
          new PutItemCommand({ TableName, Item: { ...marshallItem(wait), ...commandKey(wait.commandId) } }),
        ),
      );
    },

    async getCommandWait(commandId) {
      const { Item } = await table.call('GetItem', `COMMAND#${commandId}`, () =>
        client.send(new GetItemCommand({ TableName, Key: commandKey(commandId), ConsistentRead: true })),
      );
      return Item ? commandWaitOf(Item) : undefined;
    },

    async deleteCommandWait(commandId) {
      await table.call('DeleteItem', `COMMAND#${commandId}`, () =>
        client.send(new DeleteItemCommand({ TableName, Key: commandKey(commandId) })),
      );
    },

    async takeCommandWait(commandId) {
      const { Attributes } = await table.call('DeleteItem', `COMMAND#${commandId}`, () =>
        client.send(
          new DeleteItemCommand({ TableName, Key: commandKey(commandId), ReturnValues: 'ALL_OLD' }),
        ),
      );
      return Attributes ? commandWaitOf(Attributes) : undefined;
    },
  };
}
