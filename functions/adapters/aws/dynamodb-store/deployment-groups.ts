import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { DeploymentGroups } from '../../../ports/deployment-store.js';
import { toAttributeValue } from '../dynamodb-marshalling.js';
import { groupKey } from './keys.js';
import { groupOf } from './stored-items.js';
import type { AttributeMap, DynamoTable } from './table.js';

export const DEPLOYMENT_GROUPS_IAM_ACTIONS = ['dynamodb:GetItem', 'dynamodb:UpdateItem'] as const;

/**
 * Each group's CONFIG item: what its owner declared (the API, the CDK constructs), and what
 * deployments record on it. The engine writes only its own fields, with a field-level UpdateItem
 * conditional on the group existing: an UpdateDeploymentGroup that lands meanwhile keeps its
 * changes, and a group deleted meanwhile is not re-created by a deployment that ends after it.
 */
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

    async recordGroupDeploymentState(applicationName, deploymentGroupName, state) {
      const names: Record<string, string> = {};
      const values: AttributeMap = {};
      const sets: string[] = [];
      for (const [field, value] of Object.entries(state)) {
        const attribute = toAttributeValue(value);
        if (attribute === undefined) continue;
        names[`#${field}`] = field;
        values[`:${field}`] = attribute;
        sets.push(`#${field} = :${field}`);
      }
      if (sets.length === 0) return true;
      const key = groupKey(applicationName, deploymentGroupName, 'CONFIG');
      const update = await table.attempt('UpdateItem', key.pk?.S, () =>
        client.send(
          new UpdateItemCommand({
            TableName,
            Key: key,
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        ),
      );
      return update.passed;
    },
  };
}
