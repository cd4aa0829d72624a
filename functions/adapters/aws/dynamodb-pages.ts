/**
 * Paging through a DynamoDB Query as CodeDeploy's List* operations page: `nextToken` is the query's
 * LastEvaluatedKey, encoded opaquely (base64url JSON of its string key attributes). A token is
 * checked before use: it must decode to the table's key attributes and stay in the partition being
 * listed, else it is CodeDeploy's InvalidNextTokenException (never a DynamoDB error). Kept in its own
 * module so the deployment store's listings can share it.
 */
import { QueryCommand, type DynamoDBClient, type QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { CodeDeployException } from '../../domain/codedeploy-exception.js';
import type { Page, PageRequest } from '../../ports/pages.js';
import type { AttributeMap } from './dynamodb-marshalling.js';
import { callAws, type AwsCallContext } from './errors.js';

/** What the paging helpers call. */
export const DYNAMODB_PAGES_IAM_ACTIONS = ['dynamodb:Query'] as const;

const KEY_ATTRIBUTES = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk']);

function invalidToken(): CodeDeployException {
  return new CodeDeployException(
    'InvalidNextTokenException',
    'The next token was specified in an invalid format: pass back the nextToken of the previous page unchanged.',
  );
}

export function encodePageToken(key: AttributeMap): string {
  const plain: Record<string, string> = {};
  for (const [name, value] of Object.entries(key)) {
    if (value.S === undefined) throw new TypeError(`Key attribute ${name} is not a string`);
    plain[name] = value.S;
  }
  return Buffer.from(JSON.stringify(plain), 'utf8').toString('base64url');
}

/**
 * The start key a token stands for. `partition` is the key attribute and value the listing queries
 * (`pk` for a table query, `gsi1pk` for the index): a token from another listing is refused.
 */
export function decodePageToken(
  token: string,
  partition: { attribute: 'pk' | 'gsi1pk'; value: string },
): AttributeMap {
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(token)) throw invalidToken();
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalidToken();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalidToken();
  const entries = Object.entries(parsed as Record<string, unknown>);
  if (
    entries.length === 0 ||
    entries.some(([name, value]) => !KEY_ATTRIBUTES.has(name) || typeof value !== 'string')
  ) {
    throw invalidToken();
  }
  const key = Object.fromEntries(entries.map(([name, value]) => [name, { S: value as string }]));
  if (key[partition.attribute]?.S !== partition.value || key.pk === undefined || key.sk === undefined) {
    throw invalidToken();
  }
  return key;
}

export interface QueryPageOptions<T> {
  /** The partition the query reads, to check tokens against. */
  partition: { attribute: 'pk' | 'gsi1pk'; value: string };
  read(item: AttributeMap): T;
  /** Admits an item to the page (filters DynamoDB cannot express); all by default. */
  accept?(value: T): boolean;
  context: AwsCallContext;
}

/** One page of up to `page.limit` admitted items. */
export async function queryPage<T>(
  client: DynamoDBClient,
  input: Omit<QueryCommandInput, 'Limit' | 'ExclusiveStartKey'>,
  page: PageRequest,
  options: QueryPageOptions<T>,
): Promise<Page<T>> {
  let start = page.nextToken ? decodePageToken(page.nextToken, options.partition) : undefined;
  const items: T[] = [];
  do {
    // Never read past what the page can hold, so the last evaluated key is where the next page starts.
    const response = await callAws(options.context, () =>
      client.send(new QueryCommand({ ...input, Limit: page.limit - items.length, ExclusiveStartKey: start })),
    );
    for (const item of response.Items ?? []) {
      const value = options.read(item);
      if (!options.accept || options.accept(value)) items.push(value);
    }
    start = response.LastEvaluatedKey;
  } while (start && items.length < page.limit);
  // A full page may end exactly at the end of the listing: peek, so the last page has no token.
  if (start) {
    const peek = await callAws(options.context, () =>
      client.send(new QueryCommand({ ...input, Limit: 1, ExclusiveStartKey: start })),
    );
    if ((peek.Items ?? []).length === 0 && !peek.LastEvaluatedKey) start = undefined;
  }
  return start ? { items, nextToken: encodePageToken(start) } : { items };
}

/** Every item of a query, page after page. */
export async function queryAll<T>(
  client: DynamoDBClient,
  input: Omit<QueryCommandInput, 'ExclusiveStartKey'>,
  read: (item: AttributeMap) => T,
  context: AwsCallContext,
): Promise<T[]> {
  const values: T[] = [];
  let start: AttributeMap | undefined;
  do {
    const response = await callAws(context, () =>
      client.send(new QueryCommand({ ...input, ExclusiveStartKey: start })),
    );
    for (const item of response.Items ?? []) values.push(read(item));
    start = response.LastEvaluatedKey;
  } while (start);
  return values;
}

/** How many items a query matches (Select COUNT, page after page). */
export async function queryCount(
  client: DynamoDBClient,
  input: Omit<QueryCommandInput, 'ExclusiveStartKey' | 'Select'>,
  context: AwsCallContext,
): Promise<number> {
  let count = 0;
  let start: AttributeMap | undefined;
  do {
    const response = await callAws(context, () =>
      client.send(new QueryCommand({ ...input, Select: 'COUNT', ExclusiveStartKey: start })),
    );
    count += response.Count ?? 0;
    start = response.LastEvaluatedKey;
  } while (start);
  return count;
}
