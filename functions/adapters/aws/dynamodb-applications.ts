import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { CodeDeployException } from '../../domain/codedeploy-exception.js';
import type { ApplicationRecord, ApplicationStore } from '../../ports/applications.js';
import type { Page, PageRequest } from '../../ports/pages.js';
import { BY_GROUP_INDEX } from './dynamodb-table.js';
import {
  APPLICATIONS_LISTING,
  applicationKey,
  conditionalWrite,
  s,
  withoutKeys,
} from './dynamodb-control-plane-keys.js';
import { marshallItem, unmarshallItem } from './dynamodb-marshalling.js';
import { queryCount, queryPage } from './dynamodb-pages.js';
import { callAws } from './errors.js';

/** What DynamoDbApplicationStore calls itself (its listings query through dynamodb-pages.ts; item layout: dynamodb-control-plane-keys.ts). */
export const DYNAMODB_APPLICATIONS_IAM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:DeleteItem',
] as const;

export class DynamoDbApplicationStore implements ApplicationStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  private context(operation: string, resource?: string) {
    return { service: 'dynamodb', operation, resource: resource ?? this.tableName };
  }

  async createApplication(record: ApplicationRecord): Promise<void> {
    const created = await conditionalWrite(this.context('PutItem', record.applicationName), () =>
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...marshallItem(record),
            ...applicationKey(record.applicationName),
            gsi1pk: s(APPLICATIONS_LISTING),
            gsi1sk: s(record.applicationName),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    if (!created) {
      throw new CodeDeployException(
        'ApplicationAlreadyExistsException',
        `An application named ${record.applicationName} already exists: choose another name.`,
      );
    }
  }

  async getApplication(applicationName: string): Promise<ApplicationRecord | undefined> {
    const response = await callAws(this.context('GetItem', applicationName), () =>
      this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: applicationKey(applicationName),
          ConsistentRead: true,
        }),
      ),
    );
    return response.Item
      ? (withoutKeys(unmarshallItem(response.Item)) as unknown as ApplicationRecord)
      : undefined;
  }

  listApplications(page: PageRequest): Promise<Page<string>> {
    return queryPage(
      this.client,
      {
        TableName: this.tableName,
        IndexName: BY_GROUP_INDEX,
        KeyConditionExpression: 'gsi1pk = :listing',
        ExpressionAttributeValues: { ':listing': s(APPLICATIONS_LISTING) },
      },
      page,
      {
        partition: { attribute: 'gsi1pk', value: APPLICATIONS_LISTING },
        read: (item) => item.gsi1sk?.S ?? '',
        context: this.context('Query', APPLICATIONS_LISTING),
      },
    );
  }

  countApplications(): Promise<number> {
    return queryCount(
      this.client,
      {
        TableName: this.tableName,
        IndexName: BY_GROUP_INDEX,
        KeyConditionExpression: 'gsi1pk = :listing',
        ExpressionAttributeValues: { ':listing': s(APPLICATIONS_LISTING) },
      },
      this.context('Query', APPLICATIONS_LISTING),
    );
  }

  async deleteApplication(applicationName: string): Promise<void> {
    await callAws(this.context('DeleteItem', applicationName), () =>
      this.client.send(
        new DeleteItemCommand({ TableName: this.tableName, Key: applicationKey(applicationName) }),
      ),
    );
  }
}
