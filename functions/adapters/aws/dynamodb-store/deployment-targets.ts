import { GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { isOverviewStatus } from '../../../domain/status.js';
import type { DeploymentTargets } from '../../../ports/deployment-store.js';
import type { InstanceTargetRecord } from '../../../ports/records.js';
import { marshallItem } from '../dynamodb-marshalling.js';
import { deploymentKey, targetKey } from './keys.js';
import { instanceTargetOf } from './stored-items.js';
import { s, type AttributeMap, type DynamoTable } from './table.js';

export const DEPLOYMENT_TARGETS_IAM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:BatchGetItem',
] as const;

const targetItem = (target: InstanceTargetRecord) => ({
  ...marshallItem(target),
  ...targetKey(target.deploymentId, target.targetId),
});

/**
 * A Server deployment's instances, each an item beside its deployment item. Writing a target moves
 * the deployment's `deploymentOverview` counters from its old status to its new one (read back from
 * the write itself), so GetDeployment never recounts thousands of targets. The two writes are not
 * atomic (dynalite has no transactions): a step that dies between them leaves a counter one off
 * until Finish, which sets the exact counts from the listing it reads anyway.
 */
export function dynamoDbDeploymentTargets(table: DynamoTable): DeploymentTargets {
  const { client, name: TableName } = table;

  /** Adds each status's change to the deployment's counters, in one UpdateItem. */
  async function moveCounters(deploymentId: string, changes: ReadonlyMap<string, number>): Promise<void> {
    const names: Record<string, string> = {};
    const values: AttributeMap = {};
    const adds: string[] = [];
    for (const [status, change] of changes) {
      if (!isOverviewStatus(status) || change === 0) continue;
      names[`#${status}`] = status;
      values[`:${status}`] = { N: String(change) };
      adds.push(`deploymentOverview.#${status} :${status}`);
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

  /** The counter changes of targets moving from their previous statuses to their new ones. */
  function counterChanges(
    moves: ReadonlyArray<{ from: string | undefined; to: string }>,
  ): Map<string, number> {
    const changes = new Map<string, number>();
    for (const { from, to } of moves) {
      if (from === to) continue;
      if (from !== undefined) changes.set(from, (changes.get(from) ?? 0) - 1);
      changes.set(to, (changes.get(to) ?? 0) + 1);
    }
    return changes;
  }

  return {
    async putDeploymentTarget(target) {
      const { Attributes } = await table.call('PutItem', `DEPLOYMENT#${target.deploymentId}`, () =>
        client.send(
          new PutItemCommand({
            TableName,
            Item: targetItem(target),
            ReturnValues: 'ALL_OLD',
          }),
        ),
      );
      const previous = Attributes?.status?.S;
      await moveCounters(target.deploymentId, counterChanges([{ from: previous, to: target.status }]));
    },

    async putDeploymentTargets(targets) {
      const deploymentId = targets[0]?.deploymentId;
      if (deploymentId === undefined) return;
      const partition = `DEPLOYMENT#${deploymentId}`;
      // BatchWriteItem returns no old items: their statuses are read first, for the counters.
      const keys = targets.map((target) => targetKey(target.deploymentId, target.targetId));
      const previous = new Map(
        (await table.batchGet(partition, keys)).map((item) => [item.targetId?.S, item.status?.S]),
      );
      await table.batchWrite(
        partition,
        targets.map((target) => ({ PutRequest: { Item: targetItem(target) } })),
      );
      await moveCounters(
        deploymentId,
        counterChanges(targets.map((target) => ({ from: previous.get(target.targetId), to: target.status }))),
      );
    },

    async getDeploymentTargets(deploymentId, targetIds) {
      const keys = [...new Set(targetIds)].map((id) => targetKey(deploymentId, id));
      return (await table.batchGet(`DEPLOYMENT#${deploymentId}`, keys)).map(instanceTargetOf);
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
