import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { CodeDeployException } from '../../domain/codedeploy-exception.js';
import type { Tag } from '../../domain/codedeploy-shapes.js';
import type { OnPremisesInstanceRecord, OnPremisesInstanceStore } from '../../ports/on-premises-instances.js';
import type { Page, PageRequest } from '../../ports/pages.js';
import {
  conditionalWrite,
  iamArnKey,
  instanceKey,
  INSTANCES_LISTING,
  s,
  withoutKeys,
} from './dynamodb-control-plane-keys.js';
import { marshallItem, toAttributeValue, unmarshallItem, type AttributeMap } from './dynamodb-marshalling.js';
import { queryPage } from './dynamodb-pages.js';
import { BY_GROUP_INDEX } from './dynamodb-table.js';
import { callAws } from './errors.js';

/** What DynamoDbOnPremisesInstanceStore calls itself (its listings query through dynamodb-pages.ts; item layout: dynamodb-control-plane-keys.ts). */
export const DYNAMODB_ON_PREMISES_INSTANCES_IAM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
] as const;

/**
 * `tagsDigest` (the tags as JSON) guards tag changes: a conditional write compares it, as dynalite
 * cannot compare lists of maps.
 */
const tagsDigest = (tags: Tag[]) => JSON.stringify(tags.map((tag) => [tag.Key, tag.Value]));

function recordOf(item: AttributeMap): OnPremisesInstanceRecord {
  const record = withoutKeys(unmarshallItem(item));
  delete record.tagsDigest;
  return record as unknown as OnPremisesInstanceRecord;
}
const iamArnOf = (record: OnPremisesInstanceRecord) => record.iamUserArn ?? record.iamSessionArn;
const isRegistered = (record: OnPremisesInstanceRecord | undefined) =>
  record !== undefined && record.deregisterTime === undefined;

/** A claim may be stale (its instance was deregistered, or a crash left it): this many repairs at most. */
const CLAIM_ATTEMPTS = 3;

export class DynamoDbOnPremisesInstanceStore implements OnPremisesInstanceStore {
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

  async getInstance(instanceName: string): Promise<OnPremisesInstanceRecord | undefined> {
    const item = await this.getItem(instanceKey(instanceName));
    return item ? recordOf(item) : undefined;
  }

  /** One instance per IAM user or session ARN: claims `arn` for `instanceName`, repairing stale claims. */
  private async claimIamArn(arn: string, instanceName: string, kind: 'user' | 'session'): Promise<void> {
    const key = iamArnKey(arn);
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const claimed = await conditionalWrite(this.context('PutItem', key.pk?.S), () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: { ...key, iamArn: s(arn), instanceName: s(instanceName) },
            ConditionExpression: 'attribute_not_exists(pk) OR instanceName = :me',
            ExpressionAttributeValues: { ':me': s(instanceName) },
          }),
        ),
      );
      if (claimed) return;
      const holderName = (await this.getItem(key))?.instanceName?.S;
      if (holderName === undefined) continue; // released in between: try again
      const holder = await this.getInstance(holderName);
      if (isRegistered(holder) && iamArnOf(holder!) === arn) {
        throw new CodeDeployException(
          kind === 'user'
            ? 'IamUserArnAlreadyRegisteredException'
            : 'IamSessionArnAlreadyRegisteredException',
          `The IAM ${kind} ARN ${arn} is already registered to on-premises instance ${holderName}: use another IAM ${kind}, or deregister ${holderName} first.`,
        );
      }
      // A stale claim: take it over unless it changed hands meanwhile.
      await conditionalWrite(this.context('DeleteItem', key.pk?.S), () =>
        this.client.send(
          new DeleteItemCommand({
            TableName: this.tableName,
            Key: key,
            ConditionExpression: 'instanceName = :holder',
            ExpressionAttributeValues: { ':holder': s(holderName) },
          }),
        ),
      );
    }
    throw new TypeError(`Could not claim IAM ARN ${arn}: it keeps changing hands`);
  }

  private async releaseIamArn(arn: string, instanceName: string): Promise<void> {
    await conditionalWrite(this.context('DeleteItem'), () =>
      this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: iamArnKey(arn),
          ConditionExpression: 'instanceName = :me',
          ExpressionAttributeValues: { ':me': s(instanceName) },
        }),
      ),
    );
  }

  async registerInstance(record: OnPremisesInstanceRecord): Promise<void> {
    const alreadyRegistered = () =>
      new CodeDeployException(
        'InstanceNameAlreadyRegisteredException',
        `The on-premises instance name ${record.instanceName} is already registered: deregister it first, or choose another name.`,
      );
    if (isRegistered(await this.getInstance(record.instanceName))) throw alreadyRegistered();
    const arn = iamArnOf(record);
    if (arn) await this.claimIamArn(arn, record.instanceName, record.iamUserArn ? 'user' : 'session');
    const written = await conditionalWrite(this.context('PutItem', record.instanceName), () =>
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...marshallItem(record),
            ...instanceKey(record.instanceName),
            tagsDigest: s(tagsDigest(record.tags)),
            gsi1pk: s(INSTANCES_LISTING),
            gsi1sk: s(record.instanceName),
          },
          // A deregistered instance of the same name is replaced, as CodeDeploy lets a name be reused.
          ConditionExpression: 'attribute_not_exists(pk) OR attribute_exists(deregisterTime)',
        }),
      ),
    );
    if (!written) {
      // Registered concurrently under this name: our claim is stale unless the winner uses the same ARN.
      const winner = await this.getInstance(record.instanceName);
      if (arn && winner && iamArnOf(winner) !== arn) await this.releaseIamArn(arn, record.instanceName);
      throw alreadyRegistered();
    }
  }

  listInstances(
    page: PageRequest,
    accept?: (instance: OnPremisesInstanceRecord) => boolean,
  ): Promise<Page<OnPremisesInstanceRecord>> {
    return queryPage(
      this.client,
      {
        TableName: this.tableName,
        IndexName: BY_GROUP_INDEX,
        KeyConditionExpression: 'gsi1pk = :listing',
        ExpressionAttributeValues: { ':listing': s(INSTANCES_LISTING) },
      },
      page,
      {
        partition: { attribute: 'gsi1pk', value: INSTANCES_LISTING },
        read: recordOf,
        ...(accept ? { accept } : {}),
        context: this.context('Query', INSTANCES_LISTING),
      },
    );
  }

  async deregisterInstance(instanceName: string, at: Date): Promise<OnPremisesInstanceRecord | undefined> {
    let updated: AttributeMap | undefined;
    const applied = await conditionalWrite(this.context('UpdateItem', instanceName), async () => {
      const response = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: instanceKey(instanceName),
          UpdateExpression: 'SET deregisterTime = :at',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deregisterTime)',
          ExpressionAttributeValues: { ':at': s(at.toISOString()) },
          ReturnValues: 'ALL_NEW',
        }),
      );
      updated = response.Attributes;
    });
    if (!applied || !updated) return this.getInstance(instanceName);
    const record = recordOf(updated);
    const arn = iamArnOf(record);
    if (arn) await this.releaseIamArn(arn, instanceName);
    return record;
  }

  async replaceTags(instanceName: string, tags: Tag[], expectedTags: Tag[]): Promise<boolean> {
    return conditionalWrite(this.context('UpdateItem', instanceName), () =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: instanceKey(instanceName),
          UpdateExpression: 'SET tags = :tags, tagsDigest = :digest',
          ConditionExpression:
            'attribute_exists(pk) AND attribute_not_exists(deregisterTime) AND tagsDigest = :expected',
          ExpressionAttributeValues: {
            ':tags': toAttributeValue(tags)!,
            ':digest': s(tagsDigest(tags)),
            ':expected': s(tagsDigest(expectedTags)),
          },
        }),
      ),
    );
  }
}
