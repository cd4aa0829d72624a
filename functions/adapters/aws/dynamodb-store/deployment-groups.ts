import { GetItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { DeploymentGroups } from '../../../ports/deployment-store.js';
import type { InstanceHealthState } from '../../../ports/records.js';
import { toAttributeValue } from '../dynamodb-marshalling.js';
import { groupKey, instanceHealthKey, instanceHealthPrefix } from './keys.js';
import { groupOf } from './stored-items.js';
import { s, type AttributeMap, type DynamoTable } from './table.js';

export const DEPLOYMENT_GROUPS_IAM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:UpdateItem',
  'dynamodb:Query',
  'dynamodb:BatchWriteItem',
] as const;

const isHealth = (value: unknown): value is InstanceHealthState =>
  value === 'Healthy' || value === 'Unhealthy';

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

    async recordInstanceHealth(applicationName, deploymentGroupName, health) {
      if (health.length === 0) return;
      await table.batchWrite(
        `GROUP#${applicationName}#${deploymentGroupName}`,
        health.map(({ instanceId, health: state }) => ({
          PutRequest: {
            Item: {
              ...instanceHealthKey(applicationName, deploymentGroupName, instanceId),
              instanceId: s(instanceId),
              health: s(state),
            },
          },
        })),
      );
    },

    async listInstanceHealth(applicationName, deploymentGroupName) {
      const pk = groupKey(applicationName, deploymentGroupName, 'CONFIG').pk as { S: string };
      const health = new Map<string, InstanceHealthState>();
      // Health recorded before it moved to items of its own, overridden by the items.
      const { Item } = await table.call('GetItem', pk.S, () =>
        client.send(
          new GetItemCommand({
            TableName,
            Key: groupKey(applicationName, deploymentGroupName, 'CONFIG'),
            ConsistentRead: true,
            ProjectionExpression: 'instanceHealth',
          }),
        ),
      );
      for (const [id, value] of Object.entries(Item?.['instanceHealth']?.M ?? {})) {
        if (isHealth(value.S)) health.set(id, value.S);
      }
      const items = await table.allItems('Query', pk.S, (startKey) =>
        client.send(
          new QueryCommand({
            TableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :health)',
            ExpressionAttributeValues: { ':pk': pk, ':health': s(instanceHealthPrefix) },
            ConsistentRead: true,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        ),
      );
      for (const item of items) {
        const id = item['instanceId']?.S;
        const state = item['health']?.S;
        if (id !== undefined && isHealth(state)) health.set(id, state);
      }
      return health;
    },
  };
}
