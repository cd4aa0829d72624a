/**
 * The one way the table is paged, by the deployment store's roles and the control plane's stores:
 * every item of a Query or a Scan (`allPages`), and pages as CodeDeploy's List* operations return
 * them (`readPage`, `queryPage`), whose `nextToken` is the last evaluated key, encoded opaquely
 * (base64url JSON of its string key attributes). A token is checked before use: it must decode to
 * the table's key attributes and stay in the partition being listed, else it is CodeDeploy's
 * InvalidNextTokenException (never a DynamoDB error).
 *
 * The callers build their own commands (`send`), so each caller's file shows the IAM actions it
 * needs; `queryPage` and `queryCount` are the Query shorthands the control plane uses.
 */
import { QueryCommand, type DynamoDBClient, type QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { CodeDeployException } from '../../domain/codedeploy-exception.js';
import type { Page, PageRequest } from '../../ports/pages.js';
import type { AttributeMap } from './dynamodb-marshalling.js';
import { callAws, type AwsCallContext } from './errors.js';

/** What the Query shorthands call. */
export const DYNAMODB_PAGES_IAM_ACTIONS = ['dynamodb:Query'] as const;

const KEY_ATTRIBUTES = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk']);

/** One page of a Query or a Scan as DynamoDB answers it. */
export interface ItemPage {
  Items?: AttributeMap[];
  LastEvaluatedKey?: AttributeMap;
}

/** Sends one Query or Scan from `startKey` (none: the start), reading at most `limit` items when given. */
export type PageSender = (startKey: AttributeMap | undefined, limit?: number) => Promise<ItemPage>;

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
 * Where a listing reads: `partition` is the key attribute and value a Query reads (`pk` for a table
 * query, `gsi1pk` for the index), so a token from another listing is refused; a Scan has none.
 */
export type PagePartition = { attribute: 'pk' | 'gsi1pk'; value: string } | undefined;

/** The start key a token stands for. */
export function decodePageToken(token: string, partition: PagePartition): AttributeMap {
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
  if (key.pk === undefined || key.sk === undefined) throw invalidToken();
  if (partition && key[partition.attribute]?.S !== partition.value) throw invalidToken();
  return key;
}

export interface ReadPageOptions<T> {
  partition: PagePartition;
  read(item: AttributeMap): T;
  /** Admits an item to the page (filters DynamoDB cannot express); all by default. */
  accept?(value: T): boolean;
  context: AwsCallContext;
}

/**
 * One page of up to `page.limit` admitted items. Never reads past what the page can hold, so the
 * last evaluated key is where the next page starts; a full page that ends exactly at the end of the
 * listing is found out with a one-item peek, so the last page has no token.
 */
export async function readPage<T>(
  send: PageSender,
  page: PageRequest,
  options: ReadPageOptions<T>,
): Promise<Page<T>> {
  let start = page.nextToken ? decodePageToken(page.nextToken, options.partition) : undefined;
  const items: T[] = [];
  do {
    const from = start;
    const response = await callAws(options.context, () => send(from, page.limit - items.length));
    for (const item of response.Items ?? []) {
      const value = options.read(item);
      if (!options.accept || options.accept(value)) items.push(value);
    }
    start = response.LastEvaluatedKey;
  } while (start && items.length < page.limit);
  if (start) {
    const from = start;
    const peek = await callAws(options.context, () => send(from, 1));
    if ((peek.Items ?? []).length === 0 && !peek.LastEvaluatedKey) start = undefined;
  }
  return start ? { items, nextToken: encodePageToken(start) } : { items };
}

/** Every item of a Query or a Scan, page after page. */
export async function allPages(send: PageSender, context: AwsCallContext): Promise<AttributeMap[]> {
  const items: AttributeMap[] = [];
  let start: AttributeMap | undefined;
  do {
    const from = start;
    const response = await callAws(context, () => send(from));
    items.push(...(response.Items ?? []));
    start = response.LastEvaluatedKey;
  } while (start);
  return items;
}

/** A Query's sender for `readPage` and `allPages`. */
export function querySender(
  client: DynamoDBClient,
  input: Omit<QueryCommandInput, 'Limit' | 'ExclusiveStartKey'>,
): PageSender {
  return (startKey, limit) =>
    client.send(
      new QueryCommand({
        ...input,
        ...(limit !== undefined ? { Limit: limit } : {}),
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
}

/** One page of a Query (the control plane's listings). */
export function queryPage<T>(
  client: DynamoDBClient,
  input: Omit<QueryCommandInput, 'Limit' | 'ExclusiveStartKey'>,
  page: PageRequest,
  options: ReadPageOptions<T> & { partition: NonNullable<PagePartition> },
): Promise<Page<T>> {
  return readPage(querySender(client, input), page, options);
}

/** Every item of a Query, read with `read`. */
export async function queryAll<T>(
  client: DynamoDBClient,
  input: Omit<QueryCommandInput, 'ExclusiveStartKey' | 'Limit'>,
  read: (item: AttributeMap) => T,
  context: AwsCallContext,
): Promise<T[]> {
  return (await allPages(querySender(client, input), context)).map(read);
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
    const from = start;
    const response = await callAws(context, () =>
      client.send(new QueryCommand({ ...input, Select: 'COUNT', ExclusiveStartKey: from })),
    );
    count += response.Count ?? 0;
    start = response.LastEvaluatedKey;
  } while (start);
  return count;
}
