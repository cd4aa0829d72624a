import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { CodeDeployException } from '../../domain/codedeploy-exception.js';
import type { DeploymentConfigRecord, DeploymentConfigStore } from '../../ports/deployment-configs.js';
import {
  conditionalWrite,
  DEPLOYMENT_CONFIGS_LISTING,
  deploymentConfigKey,
  s,
  withoutKeys,
} from './dynamodb-control-plane-keys.js';
import { marshallItem, unmarshallItem, type AttributeMap } from './dynamodb-marshalling.js';
import { queryAll } from './dynamodb-pages.js';
import { BY_GROUP_INDEX } from './dynamodb-table.js';
import { callAws } from './errors.js';

/** What DynamoDbDeploymentConfigStore calls itself (its listings query through dynamodb-pages.ts; item layout: dynamodb-control-plane-keys.ts). */
export const DYNAMODB_DEPLOYMENT_CONFIGS_IAM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:DeleteItem',
] as const;

const recordOf = (item: AttributeMap) =>
  withoutKeys(unmarshallItem(item)) as unknown as DeploymentConfigRecord;

export class DynamoDbDeploymentConfigStore implements DeploymentConfigStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  private context(operation: string, resource?: string) {
    return { service: 'dynamodb', operation, resource: resource ?? this.tableName };
  }

  async createDeploymentConfig(record: DeploymentConfigRecord): Promise<void> {
    const created = await conditionalWrite(this.context('PutItem', record.deploymentConfigName), () =>
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...marshallItem(record),
            ...deploymentConfigKey(record.deploymentConfigName),
            gsi1pk: s(DEPLOYMENT_CONFIGS_LISTING),
            gsi1sk: s(record.deploymentConfigName),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    if (!created) {
      throw new CodeDeployException(
        'DeploymentConfigAlreadyExistsException',
        `A deployment configuration named ${record.deploymentConfigName} already exists: choose another name.`,
      );
    }
  }

  async getDeploymentConfig(deploymentConfigName: string): Promise<DeploymentConfigRecord | undefined> {
    const response = await callAws(this.context('GetItem', deploymentConfigName), () =>
      this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: deploymentConfigKey(deploymentConfigName),
          ConsistentRead: true,
        }),
      ),
    );
    return response.Item ? recordOf(response.Item) : undefined;
  }

  listDeploymentConfigs(): Promise<DeploymentConfigRecord[]> {
    return queryAll(
      this.client,
      {
        TableName: this.tableName,
        IndexName: BY_GROUP_INDEX,
        KeyConditionExpression: 'gsi1pk = :listing',
        ExpressionAttributeValues: { ':listing': s(DEPLOYMENT_CONFIGS_LISTING) },
      },
      recordOf,
      this.context('Query', DEPLOYMENT_CONFIGS_LISTING),
    );
  }

  async deleteDeploymentConfig(deploymentConfigName: string): Promise<void> {
    await callAws(this.context('DeleteItem', deploymentConfigName), () =>
      this.client.send(
        new DeleteItemCommand({ TableName: this.tableName, Key: deploymentConfigKey(deploymentConfigName) }),
      ),
    );
  }
}
