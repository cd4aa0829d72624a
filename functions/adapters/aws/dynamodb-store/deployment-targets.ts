import { PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { DeploymentTargets } from '../../../ports/deployment-store.js';
import type { InstanceTargetRecord } from '../../../ports/records.js';
import { marshallItem } from '../dynamodb-marshalling.js';
import { targetKey } from './keys.js';
import { instanceTargetOf } from './stored-items.js';
import { s, type DynamoTable } from './table.js';

export const DEPLOYMENT_TARGETS_IAM_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:BatchWriteItem',
  'dynamodb:BatchGetItem',
] as const;

const targetItem = (target: InstanceTargetRecord) => ({
  ...marshallItem(target),
  ...targetKey(target.deploymentId, target.targetId),
});

/** A Server deployment's instances, each an item beside its deployment item. */
export function dynamoDbDeploymentTargets(table: DynamoTable): DeploymentTargets {
  const { client, name: TableName } = table;
  return {
    async putDeploymentTarget(target) {
      await table.call('PutItem', `DEPLOYMENT#${target.deploymentId}`, () =>
        client.send(new PutItemCommand({ TableName, Item: targetItem(target) })),
      );
    },

    async putDeploymentTargets(targets) {
      if (targets.length === 0) return;
      await table.batchWrite(
        `DEPLOYMENT#${targets[0]?.deploymentId ?? ''}`,
        targets.map((target) => ({ PutRequest: { Item: targetItem(target) } })),
      );
    },

    async getDeploymentTargets(deploymentId, targetIds) {
      const keys = [...new Set(targetIds)].map((id) => targetKey(deploymentId, id));
      return (await table.batchGet(`DEPLOYMENT#${deploymentId}`, keys)).map(instanceTargetOf);
    },

    async listDeploymentTargets(deploymentId) {
      const items = await table.allItems('Query', `DEPLOYMENT#${deploymentId}`, (startKey) =>
        client.send(
          new QueryCommand({
            TableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :target)',
            ExpressionAttributeValues: { ':pk': s(`DEPLOYMENT#${deploymentId}`), ':target': s('TARGET#') },
            ConsistentRead: true,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        ),
      );
      return items.map(instanceTargetOf);
    },
  };
}
