import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { DeploymentGroups } from '../../../ports/deployment-store.js';
import { marshallItem } from '../dynamodb-marshalling.js';
import { groupKey } from './keys.js';
import { groupOf } from './stored-items.js';
import type { DynamoTable } from './table.js';

export const DEPLOYMENT_GROUPS_IAM_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem'] as const;

/** Each group's CONFIG item: what its owner declared, and what deployments recorded on it. */
export function dynamoDbDeploymentGroups(table: DynamoTable): DeploymentGroups {
  const { client, name: TableName } = table;
  return {
    async getDeploymentGroup(applicationName, deploymentGroupName) {
      const key = groupKey(applicationName, deploymentGroupName, 'CONFIG');
      const { Item } = await table.call('GetItem', key.pk?.S, () =>
        client.send(new GetItemCommand({ TableName, Key: key, ConsistentRead: true })),
      );
      return Item ? groupOf(Item) : undefined;
    },
    async putDeploymentGroup(group) {
      const key = groupKey(group.applicationName, group.deploymentGroupName, 'CONFIG');
      await table.call('PutItem', key.pk?.S, () =>
        client.send(new PutItemCommand({ TableName, Item: { ...marshallItem(group), ...key } })),
      );
    },
  };
}
