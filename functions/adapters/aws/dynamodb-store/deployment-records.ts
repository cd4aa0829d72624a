import {
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { emptyOverview, type DeploymentStatus } from '../../../domain/status.js';
import type { DeploymentQuery, DeploymentRecords } from '../../../ports/deployment-store.js';
import {
  DEPLOYMENT_IDENTITY_FIELDS,
  DEPLOYMENT_REQUIRED_FIELDS,
  type DeploymentChanges,
  type DeploymentRecord,
} from '../../../ports/records.js';
import { BY_GROUP_INDEX } from '../dynamodb-table.js';
import { marshallItem, toAttributeValue } from '../dynamodb-marshalling.js';
import { DeploymentDoesNotExistException, DeploymentStatusConflictError } from '../errors.js';
import { deploymentKey, groupIndexKey } from './keys.js';
import { deploymentOf } from './stored-items.js';
import { s, type AttributeMap, type DynamoTable } from './table.js';

/** What the deployment records call; the stack grants these to the functions that use them. */
export const DEPLOYMENT_RECORDS_IAM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:Query',
  'dynamodb:Scan',
] as const;

/** A Server deployment counts its instance targets; Lambda and ECS deployments have one target, no counters. */
function withCounters(record: DeploymentRecord): DeploymentRecord {
  return record.computePlatform === 'Server' && !record.deploymentOverview
    ? { ...record, deploymentOverview: emptyOverview() }
    : record;
}

function deploymentItem(record: DeploymentRecord): AttributeMap {
  return {
    ...marshallItem(withCounters(record)),
    ...deploymentKey(record.deploymentId),
    gsi1pk: s(groupIndexKey(record.applicationName, record.deploymentGroupName)),
    gsi1sk: s(record.createTime),
  };
}

/**
 * Deployments as items of their own, with top-level attributes (not a JSON blob): an update writes
 * only the fields it changes, so concurrent writers (StopDeployment setting `stopRequest` while a step
 * records lifecycle events) do not overwrite each other. The `byGroup` index lists a group's
 * deployments by creation time.
 */
export function dynamoDbDeploymentRecords(table: DynamoTable): DeploymentRecords {
  const { client, name: TableName } = table;

  /** Strongly consistent: steps re-read live state before acting on it. */
  async function getDeployment(deploymentId: string): Promise<DeploymentRecord | undefined> {
    const { Item } = await table.call('GetItem', `DEPLOYMENT#${deploymentId}`, () =>
      client.send(new GetItemCommand({ TableName, Key: deploymentKey(deploymentId), ConsistentRead: true })),
    );
    return Item ? deploymentOf(Item) : undefined;
  }

  /** Re-reads the deployment to say which condition of a failed update did not hold. */
  async function explainFailedUpdate(
    deploymentId: string,
    changes: DeploymentChanges,
    expectedStatuses: readonly DeploymentStatus[] | undefined,
  ): Promise<never> {
    const stored = await getDeployment(deploymentId);
    if (!stored)
      throw new DeploymentDoesNotExistException(`The deployment ${deploymentId} could not be found`);
    for (const field of DEPLOYMENT_IDENTITY_FIELDS) {
      const wanted: unknown = Reflect.get(changes, field);
      if (wanted !== undefined && wanted !== Reflect.get(stored, field)) {
        throw new TypeError(`The ${field} of deployment ${deploymentId} cannot change`);
      }
    }
    throw new DeploymentStatusConflictError(
      `Deployment ${deploymentId} is ${stored.status}, expected one of: ${(expectedStatuses ?? []).join(', ') || '(none)'}`,
    );
  }

  async function queryGroup(app: string, group: string): Promise<DeploymentRecord[]> {
    const items = await table.allItems('Query', BY_GROUP_INDEX, (startKey) =>
      client.send(
        new QueryCommand({
          TableName,
          IndexName: BY_GROUP_INDEX,
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': s(groupIndexKey(app, group)) },
          ScanIndexForward: false,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      ),
    );
    return items.map(deploymentOf);
  }

  /** The filter expression of ListDeployments' filters that are not the index's keys. */
  function filterOf(query: DeploymentQuery, scan: boolean) {
    const names: Record<string, string> = {};
    const values: AttributeMap = {};
    const conditions: string[] = [];
    if (scan) {
      conditions.push('sk = :deployment');
      values[':deployment'] = s('DEPLOYMENT');
      if (query.createdFrom !== undefined) {
        conditions.push('createTime >= :from');
        values[':from'] = s(query.createdFrom);
      }
      if (query.createdTo !== undefined) {
        conditions.push('createTime <= :to');
        values[':to'] = s(query.createdTo);
      }
    }
    if (query.statuses?.length) {
      names['#status'] = 'status';
      conditions.push(`#status IN (${query.statuses.map((_, i) => `:s${i}`).join(', ')})`);
      query.statuses.forEach((status, i) => (values[`:s${i}`] = s(status)));
    }
    if (query.externalId !== undefined) {
      conditions.push('externalId = :externalId');
      values[':externalId'] = s(query.externalId);
    }
    if (query.deploymentConfigName !== undefined) {
      conditions.push('deploymentConfigName = :config');
      values[':config'] = s(query.deploymentConfigName);
    }
    return { names, values, expression: conditions.join(' AND ') };
  }

  return {
    getDeployment,

    listDeploymentIds(query, page) {
      const read = (item: AttributeMap) => item.deploymentId?.S ?? '';
      const app = query.applicationName;
      const group = query.deploymentGroupName;
      if (app !== undefined && group !== undefined) {
        const partition = groupIndexKey(app, group);
        const filter = filterOf(query, false);
        const range =
          query.createdFrom !== undefined && query.createdTo !== undefined
            ? ' AND gsi1sk BETWEEN :from AND :to'
            : query.createdFrom !== undefined
              ? ' AND gsi1sk >= :from'
              : query.createdTo !== undefined
                ? ' AND gsi1sk <= :to'
                : '';
        const values: AttributeMap = {
          ':pk': s(partition),
          ...filter.values,
          ...(query.createdFrom !== undefined ? { ':from': s(query.createdFrom) } : {}),
          ...(query.createdTo !== undefined ? { ':to': s(query.createdTo) } : {}),
        };
        return table.page(
          'Query',
          BY_GROUP_INDEX,
          (startKey, limit) =>
            client.send(
              new QueryCommand({
                TableName,
                IndexName: BY_GROUP_INDEX,
                KeyConditionExpression: `gsi1pk = :pk${range}`,
                ...(filter.expression ? { FilterExpression: filter.expression } : {}),
                ...(Object.keys(filter.names).length ? { ExpressionAttributeNames: filter.names } : {}),
                ExpressionAttributeValues: values,
                ScanIndexForward: false,
                ...(limit !== undefined ? { Limit: limit } : {}),
                ...(startKey ? { ExclusiveStartKey: startKey } : {}),
              }),
            ),
          page,
          { partition: { attribute: 'gsi1pk', value: partition }, read },
        );
      }
      // Every deployment of the account: a Scan (ListDeployments without a group is rare).
      const filter = filterOf(query, true);
      return table.page(
        'Scan',
        undefined,
        (startKey, limit) =>
          client.send(
            new ScanCommand({
              TableName,
              FilterExpression: filter.expression,
              ...(Object.keys(filter.names).length ? { ExpressionAttributeNames: filter.names } : {}),
              ExpressionAttributeValues: filter.values,
              ...(limit !== undefined ? { Limit: limit } : {}),
              ...(startKey ? { ExclusiveStartKey: startKey } : {}),
            }),
          ),
        page,
        { partition: undefined, read },
      );
    },

    async createDeployment(record) {
      const item = deploymentItem(record);
      const put = await table.attempt('PutItem', `DEPLOYMENT#${record.deploymentId}`, () =>
        client.send(
          new PutItemCommand({ TableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
        ),
      );
      if (put.passed) return { record: deploymentOf(item), created: true };
      const stored = await getDeployment(record.deploymentId);
      // Deployments are never deleted, so a failed attribute_not_exists means the item is there.
      if (!stored)
        throw new DeploymentDoesNotExistException(`The deployment ${record.deploymentId} could not be found`);
      return { record: stored, created: false };
    },

    async updateDeployment(deploymentId, changes, expectedStatuses) {
      const names: Record<string, string> = {};
      const values: AttributeMap = {};
      const sets: string[] = [];
      const removes: string[] = [];
      const conditions = ['attribute_exists(pk)'];
      const nameOf = (attribute: string): string => {
        const placeholder = `#n${Object.keys(names).length}`;
        names[placeholder] = attribute;
        return placeholder;
      };
      const valueOf = (attribute: AttributeValue): string => {
        const placeholder = `:v${Object.keys(values).length}`;
        values[placeholder] = attribute;
        return placeholder;
      };

      for (const [field, value] of Object.entries(changes)) {
        const attribute = toAttributeValue(value);
        if (attribute === undefined) {
          if (!DEPLOYMENT_IDENTITY_FIELDS.has(field) && !DEPLOYMENT_REQUIRED_FIELDS.has(field))
            removes.push(nameOf(field));
        } else if (DEPLOYMENT_IDENTITY_FIELDS.has(field)) {
          // Callers may pass a whole record back; its identity must match the stored one.
          conditions.push(`${nameOf(field)} = ${valueOf(attribute)}`);
        } else {
          const name = nameOf(field);
          const placeholder = valueOf(attribute);
          sets.push(`${name} = ${placeholder}`);
          // The index sort key follows createTime so that listing stays in creation order.
          if (field === 'createTime') sets.push(`gsi1sk = ${placeholder}`);
        }
      }
      if (expectedStatuses) {
        // `IN ()` is not valid syntax; an empty list of accepted statuses can never match.
        conditions.push(
          expectedStatuses.length === 0
            ? 'attribute_not_exists(pk)'
            : `${nameOf('status')} IN (${expectedStatuses.map((status) => valueOf(s(status))).join(', ')})`,
        );
      }

      const clauses = [
        sets.length ? `SET ${sets.join(', ')}` : '',
        removes.length ? `REMOVE ${removes.join(', ')}` : '',
      ];
      const updateExpression = clauses.filter(Boolean).join(' ');
      const update = await table.attempt('UpdateItem', `DEPLOYMENT#${deploymentId}`, () =>
        client.send(
          new UpdateItemCommand({
            TableName,
            Key: deploymentKey(deploymentId),
            ...(updateExpression ? { UpdateExpression: updateExpression } : {}),
            ConditionExpression: conditions.join(' AND '),
            ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
            ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      if (update.passed && update.value.Attributes) return deploymentOf(update.value.Attributes);
      return explainFailedUpdate(deploymentId, changes, expectedStatuses);
    },

    async listDeployments(filter) {
      const app = filter?.applicationName;
      const group = filter?.deploymentGroupName;
      if (app !== undefined && group !== undefined) return queryGroup(app, group);

      const conditions = ['sk = :deployment'];
      const values: AttributeMap = { ':deployment': s('DEPLOYMENT') };
      if (app !== undefined) {
        conditions.push('applicationName = :app');
        values[':app'] = s(app);
      }
      if (group !== undefined) {
        conditions.push('deploymentGroupName = :group');
        values[':group'] = s(group);
      }
      const items = await table.allItems('Scan', undefined, (startKey) =>
        client.send(
          new ScanCommand({
            TableName,
            FilterExpression: conditions.join(' AND '),
            ExpressionAttributeValues: values,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        ),
      );
      // A Scan has no order; sort newest first as the index query returns them.
      return items
        .map(deploymentOf)
        .sort(
          (a, b) => b.createTime.localeCompare(a.createTime) || b.deploymentId.localeCompare(a.deploymentId),
        );
    },
  };
}
