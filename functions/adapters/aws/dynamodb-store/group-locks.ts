import { DeleteItemCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { GroupLocks } from '../../../ports/deployment-store.js';
import { DeploymentLimitExceededException, GroupLockContendedError } from '../errors.js';
import { groupKey } from './keys.js';
import { stringAttribute } from './stored-items.js';
import { s, type DynamoTable } from './table.js';

export const GROUP_LOCKS_IAM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:DeleteItem',
] as const;

/** A lock held by nobody on re-read (released in between) is tried again this many times in all. */
export const LOCK_ATTEMPTS = 3;

/** Each group's LOCK item names its active deployment; conditional writes take and release it. */
export function dynamoDbGroupLocks(table: DynamoTable): GroupLocks {
  const { client, name: TableName } = table;

  async function getGroupLockHolder(applicationName: string, deploymentGroupName: string) {
    const key = groupKey(applicationName, deploymentGroupName, 'LOCK');
    const { Item } = await table.call('GetItem', key.pk?.S, () =>
      client.send(new GetItemCommand({ TableName, Key: key, ConsistentRead: true })),
    );
    return stringAttribute(Item, 'activeDeploymentId');
  }

  return {
    getGroupLockHolder,

    async acquireGroupLock(applicationName, deploymentGroupName, deploymentId) {
      const key = groupKey(applicationName, deploymentGroupName, 'LOCK');
      for (let round = 0; round < LOCK_ATTEMPTS; round++) {
        const put = await table.attempt('PutItem', key.pk?.S, () =>
          client.send(
            new PutItemCommand({
              TableName,
              Item: {
                ...key,
                activeDeploymentId: s(deploymentId),
                applicationName: s(applicationName),
                deploymentGroupName: s(deploymentGroupName),
              },
              // Idempotent for the holder: a retried Prepare must not lock itself out.
              ConditionExpression: 'attribute_not_exists(pk) OR activeDeploymentId = :me',
              ExpressionAttributeValues: { ':me': s(deploymentId) },
            }),
          ),
        );
        if (put.passed) return;
        const holder = await getGroupLockHolder(applicationName, deploymentGroupName);
        if (holder !== undefined && holder !== deploymentId) {
          throw new DeploymentLimitExceededException(
            `The Deployment Group '${deploymentGroupName}' already has an active Deployment '${holder}'`,
          );
        }
        // The holder released the lock between the write and the read: try again.
      }
      throw new GroupLockContendedError(
        `The lock of deployment group ${applicationName}/${deploymentGroupName} changed hands on each of ${LOCK_ATTEMPTS} attempts to take it; try again.`,
      );
    },

    async releaseGroupLock(applicationName, deploymentGroupName, deploymentId) {
      const key = groupKey(applicationName, deploymentGroupName, 'LOCK');
      // A failed condition means someone else holds the lock (or nobody does): nothing to release.
      await table.attempt('DeleteItem', key.pk?.S, () =>
        client.send(
          new DeleteItemCommand({
            TableName,
            Key: key,
            ConditionExpression: 'activeDeploymentId = :me',
            ExpressionAttributeValues: { ':me': s(deploymentId) },
          }),
        ),
      );
    },
  };
}
