import {
  GetItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import type { ServerBatches } from '../../../ports/deployment-store.js';
import type { BatchChunk, EventWait, InstanceQueueEntry } from '../../../ports/records.js';
import { marshallItem, unmarshallItem } from '../dynamodb-marshalling.js';
import { chunkKey, chunkPrefix, eventWaitKey, queueKey, queuePrefix } from './keys.js';
import { s, type AttributeMap, type DynamoTable } from './table.js';

export const SERVER_BATCHES_IAM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:UpdateItem',
  'dynamodb:Query',
  'dynamodb:BatchWriteItem',
] as const;

const n = (value: number): AttributeValue => ({ N: String(value) });

function queueEntryOf(item: AttributeMap): InstanceQueueEntry {
  const { instanceId, wave, healthy, position } = unmarshallItem(item);
  if (typeof instanceId !== 'string' || typeof wave !== 'number' || typeof position !== 'number') {
    throw new TypeError(`The stored item ${item.pk?.S ?? '?'} / ${item.sk?.S ?? '?'} is not a queue entry.`);
  }
  return { instanceId, wave, healthy: healthy === true, position };
}

function chunkOf(item: AttributeMap): BatchChunk {
  const fields = unmarshallItem(item);
  const { deploymentId, batchNumber, chunk, instanceIds, commands, queued } = fields;
  if (
    typeof deploymentId !== 'string' ||
    typeof batchNumber !== 'number' ||
    typeof chunk !== 'number' ||
    !Array.isArray(instanceIds)
  ) {
    throw new TypeError(`The stored item ${item.pk?.S ?? '?'} / ${item.sk?.S ?? '?'} is not a batch chunk.`);
  }
  const sent: Record<string, string> = {};
  if (typeof commands === 'object' && commands !== null) {
    for (const [event, id] of Object.entries(commands)) if (typeof id === 'string') sent[event] = id;
  }
  const entries = Array.isArray(queued)
    ? queued.filter(
        (entry): entry is InstanceQueueEntry =>
          typeof entry === 'object' &&
          entry !== null &&
          typeof (entry as InstanceQueueEntry).instanceId === 'string',
      )
    : [];
  return {
    deploymentId,
    batchNumber,
    chunk,
    instanceIds: instanceIds.map(String),
    queued: entries,
    commands: sent,
  };
}

function eventWaitOf(item: AttributeMap): EventWait {
  const { deploymentId, batchNumber, lifecycleEventName, taskToken, pending, allSent, startedAt } =
    unmarshallItem(item);
  if (
    typeof deploymentId !== 'string' ||
    typeof batchNumber !== 'number' ||
    typeof lifecycleEventName !== 'string' ||
    typeof taskToken !== 'string'
  ) {
    throw new TypeError(`The stored item ${item.pk?.S ?? '?'} / ${item.sk?.S ?? '?'} is not an event wait.`);
  }
  return {
    deploymentId,
    batchNumber,
    lifecycleEventName,
    taskToken,
    pending: typeof pending === 'number' ? pending : 0,
    allSent: allSent === true,
    startedAt: typeof startedAt === 'string' ? startedAt : '',
  };
}

/**
 * A Server deployment's queues (QUEUE#<wave>#<u|h>#<position>), batch chunks (CHUNK#<batch>#<chunk>)
 * and event waits (EVENT#<batch>#<event>), all under the deployment's partition key. Counters change
 * with atomic ADDs, so the completions of one event's commands, arriving together, never lose one.
 */
export function dynamoDbServerBatches(table: DynamoTable): ServerBatches {
  const { client, name: TableName } = table;
  const resource = (id: string) => `DEPLOYMENT#${id}`;

  async function updateEvent(
    deploymentId: string,
    batchNumber: number,
    event: string,
    expression: string,
    values: Record<string, AttributeValue>,
  ): Promise<EventWait> {
    const response = await table.call('UpdateItem', resource(deploymentId), () =>
      client.send(
        new UpdateItemCommand({
          TableName,
          Key: eventWaitKey(deploymentId, batchNumber, event),
          UpdateExpression: expression,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return eventWaitOf(response.Attributes ?? {});
  }

  return {
    async putInstanceQueue(deploymentId, entries) {
      await table.batchWrite(
        resource(deploymentId),
        entries.map((entry) => ({
          PutRequest: {
            Item: {
              ...queueKey(deploymentId, entry.wave, entry.healthy, entry.position),
              ...marshallItem(entry),
            },
          },
        })),
      );
    },

    async peekInstanceQueue(deploymentId, wave, healthy, limit) {
      if (limit <= 0) return [];
      const entries: InstanceQueueEntry[] = [];
      let startKey: AttributeMap | undefined;
      do {
        const from = startKey;
        const response = await table.call('Query', resource(deploymentId), () =>
          client.send(
            new QueryCommand({
              TableName,
              KeyConditionExpression: 'pk = :pk AND begins_with(sk, :queue)',
              ExpressionAttributeValues: {
                ':pk': s(resource(deploymentId)),
                ':queue': s(queuePrefix(wave, healthy)),
              },
              ConsistentRead: true,
              Limit: limit - entries.length,
              ...(from ? { ExclusiveStartKey: from } : {}),
            }),
          ),
        );
        entries.push(...(response.Items ?? []).map(queueEntryOf));
        startKey = response.LastEvaluatedKey;
      } while (startKey && entries.length < limit);
      return entries;
    },

    async removeFromInstanceQueue(deploymentId, entries) {
      await table.batchWrite(
        resource(deploymentId),
        entries.map((entry) => ({
          DeleteRequest: { Key: queueKey(deploymentId, entry.wave, entry.healthy, entry.position) },
        })),
      );
    },

    async putBatchChunks(chunks) {
      if (chunks.length === 0) return;
      await table.batchWrite(
        resource(chunks[0]?.deploymentId ?? ''),
        chunks.map((chunk) => ({
          PutRequest: {
            Item: { ...chunkKey(chunk.deploymentId, chunk.batchNumber, chunk.chunk), ...marshallItem(chunk) },
          },
        })),
      );
    },

    async listBatchChunks(deploymentId, batchNumber) {
      const items = await table.allItems('Query', resource(deploymentId), (startKey) =>
        client.send(
          new QueryCommand({
            TableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :chunk)',
            ExpressionAttributeValues: {
              ':pk': s(resource(deploymentId)),
              ':chunk': s(chunkPrefix(batchNumber)),
            },
            ConsistentRead: true,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        ),
      );
      return items.map(chunkOf);
    },

    async recordChunkCommand(deploymentId, batchNumber, chunk, event, commandId) {
      await table.call('UpdateItem', resource(deploymentId), () =>
        client.send(
          new UpdateItemCommand({
            TableName,
            Key: chunkKey(deploymentId, batchNumber, chunk),
            UpdateExpression: 'SET commands.#event = :command',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: { '#event': event },
            ExpressionAttributeValues: { ':command': s(commandId) },
          }),
        ),
      );
    },

    async openEventWait(deploymentId, batchNumber, event, taskToken, startedAt) {
      const response = await table.call('UpdateItem', resource(deploymentId), () =>
        client.send(
          new UpdateItemCommand({
            TableName,
            Key: eventWaitKey(deploymentId, batchNumber, event),
            // The first opening sets the counters and the start; a later one only hands over the token.
            UpdateExpression:
              'SET taskToken = :token, deploymentId = :id, batchNumber = :batch, lifecycleEventName = :event, ' +
              'startedAt = if_not_exists(startedAt, :at), pending = if_not_exists(pending, :zero), ' +
              'allSent = if_not_exists(allSent, :false)',
            ExpressionAttributeValues: {
              ':token': s(taskToken),
              ':id': s(deploymentId),
              ':batch': n(batchNumber),
              ':event': s(event),
              ':at': s(startedAt),
              ':zero': n(0),
              ':false': { BOOL: false },
            },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return eventWaitOf(response.Attributes ?? {});
    },

    async getEventWait(deploymentId, batchNumber, event) {
      const { Item } = await table.call('GetItem', resource(deploymentId), () =>
        client.send(
          new GetItemCommand({
            TableName,
            Key: eventWaitKey(deploymentId, batchNumber, event),
            ConsistentRead: true,
          }),
        ),
      );
      return Item ? eventWaitOf(Item) : undefined;
    },

    async addEventCommand(deploymentId, batchNumber, event) {
      await updateEvent(deploymentId, batchNumber, event, 'ADD pending :one', { ':one': n(1) });
    },

    async eventCommandDone(deploymentId, batchNumber, event) {
      return updateEvent(deploymentId, batchNumber, event, 'ADD pending :minus', { ':minus': n(-1) });
    },

    async markEventSent(deploymentId, batchNumber, event) {
      return updateEvent(deploymentId, batchNumber, event, 'SET allSent = :true', {
        ':true': { BOOL: true },
      });
    },
  };
}
