import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import type { Page, PageRequest } from '../../../ports/pages.js';
import type { AttributeMap } from '../dynamodb-marshalling.js';
import { allPages, readPage, type ItemPage, type PagePartition, type PageSender } from '../dynamodb-pages.js';
import { awsErrorCode, callAws, translateAwsError, type AwsCallContext } from '../errors.js';

export type { AttributeMap, ItemPage };

export const s = (value: string): AttributeValue => ({ S: value });

export type Attempt<T> = { passed: true; value: T } | { passed: false };

/** BatchWriteItem takes at most 25 requests, BatchGetItem at most 100 keys. */
export const BATCH_WRITE_LIMIT = 25;
export const BATCH_GET_LIMIT = 100;
/** Unprocessed items are sent again after a growing pause, this many times at most. */
const BATCH_ATTEMPTS = 8;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The stepdeploy table as each role of the store uses it: its client and name, and the three ways a
 * call is made (plain, conditional, paginated), each with its failure translated into a named error.
 * The roles build their commands themselves, so each one's file shows the IAM actions it needs.
 */
export class DynamoTable {
  constructor(
    readonly client: DynamoDBClient,
    readonly name: string,
  ) {}

  context(operation: string, resource?: string): AwsCallContext {
    return { service: 'dynamodb', operation, resource: resource ?? this.name };
  }

  /** One call; any failure is translated. */
  call<T>(operation: string, resource: string | undefined, send: () => Promise<T>): Promise<T> {
    return callAws(this.context(operation, resource), send);
  }

  /** A conditional write: a failed condition is an answer, any other failure is translated. */
  async attempt<T>(
    operation: string,
    resource: string | undefined,
    send: () => Promise<T>,
  ): Promise<Attempt<T>> {
    try {
      return { passed: true, value: await send() };
    } catch (error) {
      if (awsErrorCode(error) === 'ConditionalCheckFailedException') return { passed: false };
      throw translateAwsError(error, this.context(operation, resource));
    }
  }

  /**
   * Unconditional writes (puts and deletes) in BatchWriteItem calls of 25, with what DynamoDB leaves
   * unprocessed (throttling) sent again after a growing pause.
   */
  async batchWrite(resource: string, requests: readonly WriteRequest[]): Promise<void> {
    for (let start = 0; start < requests.length; start += BATCH_WRITE_LIMIT) {
      let pending: WriteRequest[] = requests.slice(start, start + BATCH_WRITE_LIMIT);
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= BATCH_ATTEMPTS) {
          throw translateAwsError(
            Object.assign(
              new Error(`${pending.length} writes stayed unprocessed after ${attempt} attempts`),
              {
                name: 'ProvisionedThroughputExceededException',
              },
            ),
            this.context('BatchWriteItem', resource),
          );
        }
        if (attempt > 0) await pause(25 * 2 ** attempt);
        const batch = pending;
        const response = await this.call('BatchWriteItem', resource, () =>
          this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.name]: batch } })),
        );
        pending = response.UnprocessedItems?.[this.name] ?? [];
      }
    }
  }

  /** GetItem for many keys (strongly consistent), in BatchGetItem calls of 100; unprocessed keys are asked again. */
  async batchGet(resource: string, keys: readonly AttributeMap[]): Promise<AttributeMap[]> {
    const items: AttributeMap[] = [];
    for (let start = 0; start < keys.length; start += BATCH_GET_LIMIT) {
      let pending: AttributeMap[] = keys.slice(start, start + BATCH_GET_LIMIT);
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= BATCH_ATTEMPTS) {
          throw translateAwsError(
            Object.assign(new Error(`${pending.length} reads stayed unprocessed after ${attempt} attempts`), {
              name: 'ProvisionedThroughputExceededException',
            }),
            this.context('BatchGetItem', resource),
          );
        }
        if (attempt > 0) await pause(25 * 2 ** attempt);
        const batch = pending;
        const response = await this.call('BatchGetItem', resource, () =>
          this.client.send(
            new BatchGetItemCommand({ RequestItems: { [this.name]: { Keys: batch, ConsistentRead: true } } }),
          ),
        );
        items.push(...(response.Responses?.[this.name] ?? []));
        pending = response.UnprocessedKeys?.[this.name]?.Keys ?? [];
      }
    }
    return items;
  }

  /** Every item a Query or a Scan returns, page after page (`send` sends it from a start key). */
  allItems(
    operation: 'Query' | 'Scan',
    resource: string | undefined,
    send: PageSender,
  ): Promise<AttributeMap[]> {
    return allPages(send, this.context(operation, resource));
  }

  /** One page of a listing, as the API's List* operations page (dynamodb-pages.ts). */
  page<T>(
    operation: 'Query' | 'Scan',
    resource: string | undefined,
    send: PageSender,
    page: PageRequest,
    options: { partition: PagePartition; read(item: AttributeMap): T; accept?(value: T): boolean },
  ): Promise<Page<T>> {
    return readPage(send, page, { ...options, context: this.context(operation, resource) });
  }
}
