import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Page, PageRequest } from '../../../ports/pages.js';
import type { AttributeMap } from '../dynamodb-marshalling.js';
import { allPages, readPage, type ItemPage, type PagePartition, type PageSender } from '../dynamodb-pages.js';
import { awsErrorCode, callAws, translateAwsError, type AwsCallContext } from '../errors.js';

export type { AttributeMap, ItemPage };

export const s = (value: string): AttributeValue => ({ S: value });

export type Attempt<T> = { passed: true; value: T } | { passed: false };

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
