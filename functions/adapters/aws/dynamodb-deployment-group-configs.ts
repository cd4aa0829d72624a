import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { CodeDeployException } from '../../domain/codedeploy-exception.js';
import {
  DEPLOYMENT_GROUP_SETTINGS,
  type DeploymentGroupConfigStore,
  type DeploymentGroupSettings,
} from '../../ports/deployment-group-configs.js';
import type { Page, PageRequest } from '../../ports/pages.js';
import type { DeploymentGroupRecord } from '../../ports/records.js';
import {
  applicationPartition,
  conditionalWrite,
  ecsServiceKey,
  groupListingKey,
  s,
  withoutKeys,
} from './dynamodb-control-plane-keys.js';
import { marshallItem, unmarshallItem, type AttributeMap } from './dynamodb-marshalling.js';
import { queryCount, queryPage } from './dynamodb-pages.js';
import { groupKey } from './dynamodb-store.js';
import { callAws } from './errors.js';

/** What DynamoDbDeploymentGroupConfigStore calls itself (its listings query through dynamodb-pages.ts; item layout: dynamodb-control-plane-keys.ts). */
export const DYNAMODB_DEPLOYMENT_GROUP_CONFIGS_IAM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:Scan',
] as const;

type GroupRef = { applicationName: string; deploymentGroupName: string };

function alreadyExists(group: GroupRef): CodeDeployException {
  return new CodeDeployException(
    'DeploymentGroupAlreadyExistsException',
    `The deployment group ${group.deploymentGroupName} already exists in application ${group.applicationName}: choose another name.`,
  );
}

export class DynamoDbDeploymentGroupConfigStore implements DeploymentGroupConfigStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  private context(operation: string, resource?: string) {
    return { service: 'dynamodb', operation, resource: resource ?? this.tableName };
  }

  private async getItem(key: AttributeMap): Promise<AttributeMap | undefined> {
    const response = await callAws(this.context('GetItem', key.pk?.S), () =>
      this.client.send(new GetItemCommand({ TableName: this.tableName, Key: key, ConsistentRead: true })),
    );
    return response.Item;
  }

  private async putListing(group: GroupRef): Promise<void> {
    await callAws(this.context('PutItem', group.applicationName), () =>
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...groupListingKey(group.applicationName, group.deploymentGroupName),
            applicationName: s(group.applicationName),
            deploymentGroupName: s(group.deploymentGroupName),
          },
        }),
      ),
    );
  }

  private async putConfigIfAbsent(item: AttributeMap, group: GroupRef): Promise<void> {
    const key = groupKey(group.applicationName, group.deploymentGroupName, 'CONFIG');
    const created = await conditionalWrite(this.context('PutItem', key.pk?.S), () =>
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: { ...item, ...key },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    if (!created) throw alreadyExists(group);
  }

  async createDeploymentGroup(group: DeploymentGroupRecord): Promise<void> {
    await this.putConfigIfAbsent(marshallItem(group), group);
    await this.putListing(group);
  }

  async getDeploymentGroup(
    applicationName: string,
    deploymentGroupName: string,
  ): Promise<DeploymentGroupRecord | undefined> {
    const item = await this.getItem(groupKey(applicationName, deploymentGroupName, 'CONFIG'));
    return item ? (withoutKeys(unmarshallItem(item)) as unknown as DeploymentGroupRecord) : undefined;
  }

  listDeploymentGroups(applicationName: string, page: PageRequest): Promise<Page<string>> {
    const partition = applicationPartition(applicationName);
    return queryPage(
      this.client,
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :group)',
        ExpressionAttributeValues: { ':pk': s(partition), ':group': s('GROUP#') },
        ConsistentRead: true,
      },
      page,
      {
        partition: { attribute: 'pk', value: partition },
        read: (item) => item.deploymentGroupName?.S ?? '',
        context: this.context('Query', partition),
      },
    );
  }

  countDeploymentGroups(applicationName: string): Promise<number> {
    const partition = applicationPartition(applicationName);
    return queryCount(
      this.client,
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :group)',
        ExpressionAttributeValues: { ':pk': s(partition), ':group': s('GROUP#') },
        ConsistentRead: true,
      },
      this.context('Query', partition),
    );
  }

  async updateDeploymentGroup(
    applicationName: string,
    deploymentGroupName: string,
    settings: DeploymentGroupSettings,
  ): Promise<void> {
    const values = marshallItem(settings);
    const set = DEPLOYMENT_GROUP_SETTINGS.filter((field) => values[field] !== undefined);
    const remove = DEPLOYMENT_GROUP_SETTINGS.filter((field) => values[field] === undefined);
    const key = groupKey(applicationName, deploymentGroupName, 'CONFIG');
    const clauses = [
      set.length ? `SET ${set.map((field) => `#${field} = :${field}`).join(', ')}` : '',
      remove.length ? `REMOVE ${remove.map((field) => `#${field}`).join(', ')}` : '',
    ].filter(Boolean);
    const updated = await conditionalWrite(this.context('UpdateItem', key.pk?.S), () =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: clauses.join(' '),
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: Object.fromEntries(
            [...set, ...remove].map((field) => [`#${field}`, field]),
          ),
          ...(set.length
            ? {
                ExpressionAttributeValues: Object.fromEntries(
                  set.map((field) => [`:${field}`, values[field]!]),
                ),
              }
            : {}),
        }),
      ),
    );
    if (!updated) {
      throw new CodeDeployException(
        'DeploymentGroupDoesNotExistException',
        `The deployment group ${deploymentGroupName} does not exist in application ${applicationName}.`,
      );
    }
    // Repairs a listing item a crash may have left out (the config item is written first).
    await this.putListing({ applicationName, deploymentGroupName });
  }

  async moveDeploymentGroup(from: GroupRef, to: GroupRef): Promise<void> {
    const item = await this.getItem(groupKey(from.applicationName, from.deploymentGroupName, 'CONFIG'));
    if (!item) {
      throw new CodeDeployException(
        'DeploymentGroupDoesNotExistException',
        `The deployment group ${from.deploymentGroupName} does not exist in application ${from.applicationName}.`,
      );
    }
    await this.putConfigIfAbsent(
      {
        ...item,
        applicationName: s(to.applicationName),
        deploymentGroupName: s(to.deploymentGroupName),
      },
      to,
    );
    await this.putListing(to);
    await this.deleteDeploymentGroup(from.applicationName, from.deploymentGroupName);
  }

  async deleteDeploymentGroup(applicationName: string, deploymentGroupName: string): Promise<boolean> {
    const key = groupKey(applicationName, deploymentGroupName, 'CONFIG');
    const response = await callAws(this.context('DeleteItem', key.pk?.S), () =>
      this.client.send(
        new DeleteItemCommand({ TableName: this.tableName, Key: key, ReturnValues: 'ALL_OLD' }),
      ),
    );
    await callAws(this.context('DeleteItem', applicationName), () =>
      this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: groupListingKey(applicationName, deploymentGroupName),
        }),
      ),
    );
    return response.Attributes !== undefined;
  }

  async activeDeploymentId(
    applicationName: string,
    deploymentGroupName: string,
  ): Promise<string | undefined> {
    const item = await this.getItem(groupKey(applicationName, deploymentGroupName, 'LOCK'));
    return item?.activeDeploymentId?.S;
  }

  /** A Scan: DeleteDeploymentConfig is rare, and no index lists groups by their config. */
  async groupsUsingConfig(deploymentConfigName: string): Promise<GroupRef[]> {
    const groups: GroupRef[] = [];
    let start: AttributeMap | undefined;
    do {
      const response = await callAws(this.context('Scan'), () =>
        this.client.send(
          new ScanCommand({
            TableName: this.tableName,
            FilterExpression: 'sk = :config AND deploymentConfigName = :name',
            ExpressionAttributeValues: { ':config': s('CONFIG'), ':name': s(deploymentConfigName) },
            ProjectionExpression: 'applicationName, deploymentGroupName',
            ExclusiveStartKey: start,
          }),
        ),
      );
      for (const item of response.Items ?? []) {
        groups.push({
          applicationName: item.applicationName?.S ?? '',
          deploymentGroupName: item.deploymentGroupName?.S ?? '',
        });
      }
      start = response.LastEvaluatedKey;
    } while (start);
    return groups;
  }

  async claimEcsService(
    service: { clusterName: string; serviceName: string },
    group: GroupRef,
  ): Promise<void> {
    const key = ecsServiceKey(service.clusterName, service.serviceName);
    const claimed = await conditionalWrite(this.context('PutItem', key.pk?.S), () =>
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...key,
            applicationName: s(group.applicationName),
            deploymentGroupName: s(group.deploymentGroupName),
          },
          ConditionExpression:
            'attribute_not_exists(pk) OR (applicationName = :app AND deploymentGroupName = :group)',
          ExpressionAttributeValues: {
            ':app': s(group.applicationName),
            ':group': s(group.deploymentGroupName),
          },
        }),
      ),
    );
    if (!claimed) {
      const holder = await this.getItem(key);
      throw new CodeDeployException(
        'ECSServiceMappingLimitExceededException',
        `The Amazon ECS service ${service.serviceName} in cluster ${service.clusterName} already belongs to deployment group ${holder?.deploymentGroupName?.S ?? '?'} of application ${holder?.applicationName?.S ?? '?'}; an ECS service can be associated with only one deployment group.`,
      );
    }
  }

  async releaseEcsService(
    service: { clusterName: string; serviceName: string },
    group: GroupRef,
  ): Promise<void> {
    await conditionalWrite(this.context('DeleteItem'), () =>
      this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: ecsServiceKey(service.clusterName, service.serviceName),
          ConditionExpression: 'applicationName = :app AND deploymentGroupName = :group',
          ExpressionAttributeValues: {
            ':app': s(group.applicationName),
            ':group': s(group.deploymentGroupName),
          },
        }),
      ),
    );
  }
}
