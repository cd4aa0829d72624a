import { GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { DeploymentTargets } from '../../../ports/deployment-store.js';
import { marshallItem } from '../dynamodb-marshalling.js';
import { deploymentKey, targetKey } from './keys.js';
import { instanceTargetOf } from './stored-items.js';
import { s, type AttributeMap, type DynamoTable } from './table.js';

export const DEPLOYMENT_TARGETS_IAM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
] as const;

/** The overview counters count these; `Unknown` is not one of DeploymentOverview's members. */
const COUNTED = new Set(['Pending', 'InProgress', 'Succeeded', 'Failed', 'Skipped', 'Ready']);

/**
 * A Server deployment's instances, each an item beside its deployment item. Writing a target moves
 * the deployment's `deploymentOverview` counters from its old status to its new one (read back from
 * the write itself), so GetDeployment never recounts thousands of targets. The two writes are not
 * atomic (dynalite has no transactions): a step that dies between them leaves a counter one off
 * until Finish, which sets the exact counts from the listing it reads anyway.
 */
export function dynamoDbDeploymentTargets(table: DynamoTable): DeploymentTargets {
  const { client, name: TableName } = table;

  async function moveCounters(deploymentId: string, from: string | undefined, to: string): Promise<void> {
    const names: Record<string, string> = {};
    const values: AttributeMap = {};
    const adds: string[] = [];
    if (from !== undefined && COUNTED.has(from)) {
      names['#from'] = from;
      values[':minus'] = { N: '-1' };
      adds.push('deploymentOverview.#from :minus');
    }
    if (COUNTED.has(to)) {
      names['#to'] = to;
      values[':plus'] = { N: '1' };
      adds.push('deploymentOverview.#to :plus');
    }
    if (adds.length === 0) return;
    // Only a deployment that has its counters (every one the store created): an older record has none.
    await table.attempt('UpdateItem', `DEPLOYMENT#${deploymentId}`, () =>
      client.send(
        new UpdateItemCommand({
          TableName,
          Key: deploymentKey(deploymentId),
          UpdateExpression: `ADD ${adds.join(', ')}`,
          ConditionExpression: 'attribute_exists(deploymentOverview)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  return {
    async putDeploymentTarget(target) {
      const { Attributes } = await table.call('PutItem', `DEPLOYMENT#${target.deploymentId}`, () =>
        client.send(
          new PutItemCommand({
            TableName,
            Item: { ...marshallItem(target), ...targetKey(target.deploymentId, target.targetId) },
            ReturnValues: 'ALL_OLD',
          }),
        ),
      );
      const previous = Attributes?.status?.S;
      if (previous !== target.status) await moveCounters(target.deploymentId, previous, target.status);
    },

    async getDeploymentTarget(deploymentId, targetId) {
      const { Item } = await table.call('GetItem', `DEPLOYMENT#${deploymentId}`, () =>
        client.send(
          new GetItemCommand({ TableName, Key: targetKey(deploymentId, targetId), ConsistentRead: true }),
        ),
      );
      return Item ? instanceTargetOf(Item) : undefined;
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

    listDeploymentTargetIds(deploymentId, filter, page) {
      const partition = `DEPLOYMENT#${deploymentId}`;
      const names: Record<string, string> = {};
      const values: AttributeMap = { ':pk': s(partition), ':target': s('TARGET#') };
      const conditions: string[] = [];
      if (filter.statuses?.length) {
        names['#status'] = 'status';
        conditions.push(`#status IN (${filter.statuses.map((_, i) => `:s${i}`).join(', ')})`);
        filter.statuses.forEach((status, i) => (values[`:s${i}`] = s(status)));
      }
      if (filter.labels?.length) {
        conditions.push(`instanceLabel IN (${filter.labels.map((_, i) => `:l${i}`).join(', ')})`);
        filter.labels.forEach((label, i) => (values[`:l${i}`] = s(label)));
      }
      return table.page(
        'Query',
        partition,
        (startKey, limit) =>
          client.send(
            new QueryCommand({
              TableName,
              KeyConditionExpression: 'pk = :pk AND begins_with(sk, :target)',
              ...(conditions.length ? { FilterExpression: conditions.join(' AND ') } : {}),
              ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
              ExpressionAttributeValues: values,
              ProjectionExpression: 'pk, sk, targetId',
              ConsistentRead: true,
              ...(limit !== undefined ? { Limit: limit } : {}),
              ...(startKey ? { ExclusiveStartKey: startKey } : {}),
            }),
          ),
        page,
        { partition: { attribute: 'pk', value: partition }, read: (item) => item.targetId?.S ?? '' },
      );
    },
  };
}
