import { createHash } from 'node:crypto';
import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { RevisionLocation } from '../../domain/codedeploy-shapes.js';
import { revisionIdentity } from '../../domain/revision-location.js';
import type {
  ApplicationRevisionRecord,
  ApplicationRevisionStore,
} from '../../ports/application-revisions.js';
import { applicationPartition, revisionKey, s, withoutKeys } from './dynamodb-control-plane-keys.js';
import { marshallItem, toAttributeValue, unmarshallItem, type AttributeMap } from './dynamodb-marshalling.js';
import { queryAll } from './dynamodb-pages.js';
import { callAws } from './errors.js';

/** What DynamoDbApplicationRevisionStore calls itself (its listings query through dynamodb-pages.ts; item layout: dynamodb-control-plane-keys.ts). */
export const DYNAMODB_APPLICATION_REVISIONS_IAM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
] as const;

/** A fixed-length sort key for any location (an AppSpec's content can be long). */
const revisionId = (revision: RevisionLocation): string =>
  createHash('sha256').update(revisionIdentity(revision)).digest('hex');

function recordOf(item: AttributeMap): ApplicationRevisionRecord {
  const record = withoutKeys(unmarshallItem(item)) as unknown as ApplicationRevisionRecord;
  // A string set reads back as an array in no particular order.
  if (record.deploymentGroups) record.deploymentGroups = [...record.deploymentGroups].sort();
  return record;
}

export class DynamoDbApplicationRevisionStore implements ApplicationRevisionStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  private context(operation: string, resource?: string) {
    return { service: 'dynamodb', operation, resource: resource ?? this.tableName };
  }

  /** One UpdateItem, so registration and concurrent deployments never overwrite each other's fields. */
  private async update(
    applicationName: string,
    revision: RevisionLocation,
    assignments: string[],
    values: Record<string, unknown>,
    add?: string,
  ): Promise<void> {
    const expressionValues: AttributeMap = {
      ':app': s(applicationName),
      ':revision': toAttributeValue(revision)!,
    };
    for (const [name, value] of Object.entries(values)) expressionValues[name] = toAttributeValue(value)!;
    if (add) expressionValues[':groups'] = { SS: [add] };
    const expression =
      `SET #applicationName = :app, #revision = if_not_exists(#revision, :revision), ${assignments.join(', ')}` +
      (add ? ' ADD #deploymentGroups :groups' : '');
    await callAws(this.context('UpdateItem', applicationName), () =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: revisionKey(applicationName, revisionId(revision)),
          UpdateExpression: expression,
          // Every attribute by name: some (description) are DynamoDB reserved words.
          ExpressionAttributeNames: Object.fromEntries(
            [...new Set(expression.match(/#\w+/g))].map((name) => [name, name.slice(1)]),
          ),
          ExpressionAttributeValues: expressionValues,
        }),
      ),
    );
  }

  registerRevision(
    applicationName: string,
    revision: RevisionLocation,
    description: string | undefined,
    at: Date,
  ): Promise<void> {
    return this.update(
      applicationName,
      revision,
      [
        '#registerTime = if_not_exists(#registerTime, :now)',
        ...(description !== undefined ? ['#description = :description'] : []),
      ],
      { ':now': at.toISOString(), ...(description !== undefined ? { ':description': description } : {}) },
    );
  }

  recordRevisionUse(
    applicationName: string,
    revision: RevisionLocation,
    deploymentGroupName: string,
    at: Date,
  ): Promise<void> {
    return this.update(
      applicationName,
      revision,
      [
        '#registerTime = if_not_exists(#registerTime, :now)',
        '#firstUsedTime = if_not_exists(#firstUsedTime, :now)',
        '#lastUsedTime = :now',
      ],
      { ':now': at.toISOString() },
      deploymentGroupName,
    );
  }

  async getRevision(
    applicationName: string,
    revision: RevisionLocation,
  ): Promise<ApplicationRevisionRecord | undefined> {
    const response = await callAws(this.context('GetItem', applicationName), () =>
      this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: revisionKey(applicationName, revisionId(revision)),
          ConsistentRead: true,
        }),
      ),
    );
    return response.Item ? recordOf(response.Item) : undefined;
  }

  listRevisions(applicationName: string): Promise<ApplicationRevisionRecord[]> {
    const partition = applicationPartition(applicationName);
    return queryAll(
      this.client,
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :revision)',
        ExpressionAttributeValues: { ':pk': s(partition), ':revision': s('REVISION#') },
        ConsistentRead: true,
      },
      recordOf,
      this.context('Query', partition),
    );
  }

  async putRevision(record: ApplicationRevisionRecord): Promise<void> {
    const { deploymentGroups, ...rest } = record;
    await callAws(this.context('PutItem', record.applicationName), () =>
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...marshallItem(rest),
            ...(deploymentGroups?.length ? { deploymentGroups: { SS: deploymentGroups } } : {}),
            ...revisionKey(record.applicationName, revisionId(record.revision)),
          },
        }),
      ),
    );
  }

  async deleteRevision(applicationName: string, revision: RevisionLocation): Promise<void> {
    await callAws(this.context('DeleteItem', applicationName), () =>
      this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: revisionKey(applicationName, revisionId(revision)),
        }),
      ),
    );
  }
}
