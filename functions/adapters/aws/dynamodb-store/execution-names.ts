import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { ExecutionNames } from '../../../ports/deployment-store.js';
import { executionKey } from './keys.js';
import { stringAttribute } from './stored-items.js';
import { s, type DynamoTable } from './table.js';

export const EXECUTION_NAMES_IAM_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem'] as const;

/** Foreign execution names, each mapped once to the deployment id its first claim gave it. */
export function dynamoDbExecutionNames(table: DynamoTable): ExecutionNames {
  const { client, name: TableName } = table;
  const claimed = async (executionName: string) => {
    const { Item } = await table.call('GetItem', `EXECUTION#${executionName}`, () =>
      client.send(new GetItemCommand({ TableName, Key: executionKey(executionName), ConsistentRead: true })),
    );
    return stringAttribute(Item, 'deploymentId');
  };
  return {
    async claimExecutionName(executionName, deploymentId) {
      const put = await table.attempt('PutItem', `EXECUTION#${executionName}`, () =>
        client.send(
          new PutItemCommand({
            TableName,
            Item: {
              ...executionKey(executionName),
              executionName: s(executionName),
              deploymentId: s(deploymentId),
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
      if (put.passed) return deploymentId;
      const first = await claimed(executionName);
      if (first === undefined)
        throw new TypeError(`Execution name ${executionName} is claimed without a deployment id`);
      return first;
    },
    claimedDeploymentId: claimed,
  };
}
