import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { GroupLocks } from '../../../ports/deployment-store.js';
import { DeploymentLimitExceededException, GroupLockContendedError } from '../errors.js';
import { groupKey } from './keys.js';
import { stringAttribute } from './stored-items.js';
import { s, type DynamoTable } from './table.js';

export const GROUP_LOCKS_IAM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
] as const;

/** A lock held by nobody on re-read (released in between) is tried again this many times in all. */
export const LOCK_ATTEMPTS = 3;

const n = (value: number) => ({ N: String(Math.floor(value)) });

/**
 * Each group's LOCK item names its active deployment and how long its lease lasts (`leaseExpiresAt`,
 * ms since the epoch); conditional writes take, renew and release it. A lock written before leases
 * existed has none, and is held until released, as it was.
 */
export function dynamoDbGroupLocks(table: DynamoTable): GroupLocks {
  const { client, name: TableName } = table;

  async function readLock(applicationName: string, deploymentGroupName: string) {
    const key = groupKey(applicationName, deploymentGroupName, 'LOCK');
    const { Item } = await table.call('GetItem', key.pk?.S, () =>
      client.send(new GetItemCommand({ TableName, Key: key, ConsistentRead: true })),
    );
    const lease = Item?.['leaseExpiresAt']?.N;
    return {
      holder: stringAttribute(Item, 'activeDeploymentId'),
      ...(lease !== undefined ? { leaseExpiresAt: Number(lease) } : {}),
    };
  }

  return {
    async getGroupLockHolder(applicationName, deploymentGroupName) {
      return (await readLock(applicationName, deploymentGroupName)).holder;
    },

    async acquireGroupLock(applicationName, deploymentGroupName, deploymentId, lease) {
      const key = groupKey(applicationName, deploymentGroupName, 'LOCK');
      const now = lease.nowMs;
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
                leaseExpiresAt: n(lease.untilMs),
              },
              // Idempotent for the holder (a retried Prepare must not lock itself out); a lease that
              // ran out is a lock nobody holds any more.
              ConditionExpression:
                'attribute_not_exists(pk) OR activeDeploymentId = :me OR leaseExpiresAt < :now',
              ExpressionAttributeValues: { ':me': s(deploymentId), ':now': n(now) },
            }),
          ),
        );
        if (put.passed) return;
        const { holder, leaseExpiresAt } = await readLock(applicationName, deploymentGroupName);
        const expired = leaseExpiresAt !== undefined && leaseExpiresAt < now;
        if (holder !== undefined && holder !== deploymentId && !expired) {
          throw new DeploymentLimitExceededException(
            `The Deployment Group '${deploymentGroupName}' already has an active Deployment '${holder}'`,
          );
        }
        // The holder released the lock (or its lease ran out) between the write and the read: again.
      }
      throw new GroupLockContendedError(
        `The lock of deployment group ${applicationName}/${deploymentGroupName} changed hands on each of ${LOCK_ATTEMPTS} attempts to take it; try again.`,
      );
    },

    async renewGroupLock(applicationName, deploymentGroupName, deploymentId, leaseUntilMs) {
      const key = groupKey(applicationName, deploymentGroupName, 'LOCK');
      const update = await table.attempt('UpdateItem', key.pk?.S, () =>
        client.send(
          new UpdateItemCommand({
            TableName,
            Key: key,
            UpdateExpression: 'SET leaseExpiresAt = :until',
            // Never shortens a lease: a late, slow renewal must not undo a longer one.
            ConditionExpression:
              'activeDeploymentId = :me AND (attribute_not_exists(leaseExpiresAt) OR leaseExpiresAt < :until)',
            ExpressionAttributeValues: { ':me': s(deploymentId), ':until': n(leaseUntilMs) },
          }),
        ),
      );
      if (update.passed) return true;
      return (await readLock(applicationName, deploymentGroupName)).holder === deploymentId;
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
