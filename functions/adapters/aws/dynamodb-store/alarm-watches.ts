import { DeleteItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { AlarmWatches } from '../../../ports/deployment-store.js';
import { alarmWatchKey } from './keys.js';
import { stringAttribute } from './stored-items.js';
import { s, type DynamoTable } from './table.js';

export const ALARM_WATCHES_IAM_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:DeleteItem',
  'dynamodb:Query',
] as const;

/** One item per alarm and deployment watching it, so an alarm's watchers are one Query. */
export function dynamoDbAlarmWatches(table: DynamoTable): AlarmWatches {
  const { client, name: TableName } = table;
  return {
    async watchAlarms(deploymentId, alarmNames) {
      await Promise.all(
        [...new Set(alarmNames)].map((alarmName) =>
          table.call('PutItem', `ALARM#${alarmName}`, () =>
            client.send(
              new PutItemCommand({
                TableName,
                Item: {
                  ...alarmWatchKey(alarmName, deploymentId),
                  alarmName: s(alarmName),
                  deploymentId: s(deploymentId),
                },
              }),
            ),
          ),
        ),
      );
    },

    async unwatchAlarms(deploymentId, alarmNames) {
      await Promise.all(
        [...new Set(alarmNames)].map((alarmName) =>
          table.call('DeleteItem', `ALARM#${alarmName}`, () =>
            client.send(new DeleteItemCommand({ TableName, Key: alarmWatchKey(alarmName, deploymentId) })),
          ),
        ),
      );
    },

    async deploymentsWatchingAlarm(alarmName) {
      const items = await table.allItems('Query', `ALARM#${alarmName}`, (startKey) =>
        client.send(
          new QueryCommand({
            TableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': s(`ALARM#${alarmName}`) },
            ProjectionExpression: 'deploymentId',
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        ),
      );
      return items.flatMap((item) => stringAttribute(item, 'deploymentId') ?? []);
    },
  };
}
