/**
 * DeploymentStore over one DynamoDB table (dynalite serves the same API locally).
 *
 * Item layout. Keys are strings; records are stored as top-level attributes (not a JSON blob), so that
 * updateDeployment writes only the fields it changes and concurrent writers (StopDeployment setting
 * `stopRequest` while a step records lifecycle events) do not overwrite each other.
 *
 * | item           | pk                  | sk              | attributes                                       |
 * |----------------|---------------------|-----------------|--------------------------------------------------|
 * | deployment     | DEPLOYMENT#<id>     | DEPLOYMENT      | DeploymentRecord fields, gsi1pk APP#<app>#<group>, gsi1sk createTime |
 * | group config   | GROUP#<app>#<group> | CONFIG          | DeploymentGroupRecord fields                     |
 * | group lock     | GROUP#<app>#<group> | LOCK            | activeDeploymentId, applicationName, deploymentGroupName |
 * | hook execution | HOOK#<hook id>      | HOOK            | HookExecutionRecord fields                       |
 * | pending wait   | DEPLOYMENT#<id>     | WAIT            | PendingWait fields                               |
 * | alarm watch    | ALARM#<alarm name>  | DEPLOYMENT#<id> | alarmName, deploymentId                          |
 * | execution name | EXECUTION#<name>    | EXECUTION       | executionName, deploymentId                      |
 * | instance target| DEPLOYMENT#<id>     | TARGET#<id>     | InstanceTargetRecord fields                      |
 * | command wait   | COMMAND#<id>        | COMMAND         | CommandWait fields                               |
 *
 * GSI `byGroup` (gsi1pk / gsi1sk, projection ALL): only deployment items carry its keys, so it lists a
 * group's deployments by creation time. Every write is a single-item (conditional) write: dynalite has
 * no TransactWriteItems, and no operation here needs more than one item to change atomically.
 * In the two-name keys (GROUP#, APP#) a '%' or '#' inside a name is percent-encoded, so that app 'a#b' +
 * group 'c' and app 'a' + group 'b#c' get different keys; ordinary names appear unchanged.
 */
import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { DeploymentStore } from '../../ports/deployment-store.js';
import type {
  CommandWait,
  DeploymentGroupRecord,
  DeploymentRecord,
  HookExecutionRecord,
  InstanceTargetRecord,
  PendingWait,
} from '../../ports/records.js';
import { BY_GROUP_INDEX } from './dynamodb-table.js';
import { marshallItem, toAttributeValue, unmarshallItem, type AttributeMap } from './dynamodb-marshalling.js';
import {
  awsErrorCode,
  callAws,
  DeploymentDoesNotExistException,
  DeploymentLimitExceededException,
  DeploymentStatusConflictError,
  InvalidLifecycleEventHookExecutionIdException,
  LifecycleEventAlreadyCompletedException,
  translateAwsError,
  type AwsCallContext,
} from './errors.js';

export { BY_GROUP_INDEX, createTable, createTableInput, tableDefinition } from './dynamodb-table.js';

/**
 * What DynamoDbDeploymentStore calls; the stack grants exactly these on the table and its index
 * (checked against the code by iam-actions.test.ts). CreateTable and DescribeTable (dynamodb-table.ts)
 * are left out on purpose: only the local runtime creates its table, the stack owns it in AWS.
 */
export const DYNAMODB_STORE_IAM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:Query',
  'dynamodb:Scan',
] as const;

const s = (value: string): AttributeValue => ({ S: value });

const deploymentKey = (id: string): AttributeMap => ({ pk: s(`DEPLOYMENT#${id}`), sk: s('DEPLOYMENT') });
/** Escapes the separator inside one component of a two-name key. */
const part = (name: string): string => name.replace(/%/g, '%25').replace(/#/g, '%23');
export const groupKey = (app: string, group: string, sk: 'CONFIG' | 'LOCK'): AttributeMap => ({
  pk: s(`GROUP#${part(app)}#${part(group)}`),
  sk: s(sk),
});
const hookKey = (id: string): AttributeMap => ({ pk: s(`HOOK#${id}`), sk: s('HOOK') });
const waitKey = (id: string): AttributeMap => ({ pk: s(`DEPLOYMENT#${id}`), sk: s('WAIT') });
const alarmWatchKey = (alarm: string, id: string): AttributeMap => ({
  pk: s(`ALARM#${alarm}`),
  sk: s(`DEPLOYMENT#${id}`),
});
const executionKey = (name: string): AttributeMap => ({ pk: s(`EXECUTION#${name}`), sk: s('EXECUTION') });
const targetKey = (id: string, targetId: string): AttributeMap => ({
  pk: s(`DEPLOYMENT#${id}`),
  sk: s(`TARGET#${targetId}`),
});
const commandKey = (commandId: string): AttributeMap => ({ pk: s(`COMMAND#${commandId}`), sk: s('COMMAND') });
const groupIndexKey = (app: string, group: string): string => `APP#${part(app)}#${part(group)}`;

const KEY_ATTRIBUTES = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk']);

/** A stored item without the table's own key attributes. */
function recordOf(item: AttributeMap): Record<string, unknown> {
  const record = unmarshallItem(item);
  for (const key of KEY_ATTRIBUTES) delete record[key];
  return record;
}

// Items are written only by this store from typed records, so reading them back as those types is
// sound; the id check catches an item of the wrong kind.
function deploymentOf(item: AttributeMap): DeploymentRecord {
  const record = recordOf(item);
  if (typeof record.deploymentId !== 'string') {
    throw new TypeError('Stored deployment item has no deploymentId');
  }
  return record as unknown as DeploymentRecord;
}

function hookOf(item: AttributeMap): HookExecutionRecord {
  const record = recordOf(item);
  if (typeof record.lifecycleEventHookExecutionId !== 'string') {
    throw new TypeError('Stored hook item has no lifecycleEventHookExecutionId');
  }
  return record as unknown as HookExecutionRecord;
}

function stringAttribute(item: AttributeMap | undefined, name: string): string | undefined {
  return item?.[name]?.S;
}

function deploymentItem(record: DeploymentRecord): AttributeMap {
  return {
    ...marshallItem(record),
    ...deploymentKey(record.deploymentId),
    gsi1pk: s(groupIndexKey(record.applicationName, record.deploymentGroupName)),
    gsi1sk: s(record.createTime),
  };
}

/** Fields that name the deployment: an update may repeat them (it becomes a condition) but not change them. */
const IDENTITY_FIELDS = new Set(['deploymentId', 'applicationName', 'deploymentGroupName']);
/** Required fields: `undefined` for them in a partial update means "unchanged", never "remove". */
const REQUIRED_FIELDS = new Set([
  'computePlatform',
  'deploymentConfigName',
  'status',
  'creator',
  'revision',
  'createTime',
]);

type Attempt<T> = { passed: true; value: T } | { passed: false };

/** Runs a conditional write; a failed condition is an answer, any other failure is translated. */
async function attempt<T>(context: AwsCallContext, call: () => Promise<T>): Promise<Attempt<T>> {
  try {
    return { passed: true, value: await call() };
  } catch (error) {
    if (awsErrorCode(error) === 'ConditionalCheckFailedException') return { passed: false };
    throw translateAwsError(error, context);
  }
}

/** A lock held by nobody on re-read (released in between) is retried this many times. */
const LOCK_ATTEMPTS = 3;

export class DynamoDbDeploymentStore implements DeploymentStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  private context(operation: string, resource?: string): AwsCallContext {
    return { service: 'dynamodb', operation, resource: resource ?? this.tableName };
  }

  /** Strongly consistent: steps re-read live state before acting on it. */
  private async getItem(key: AttributeMap): Promise<AttributeMap | undefined> {
    const response = await callAws(this.context('GetItem', key.pk?.S), () =>
      this.client.send(new GetItemCommand({ TableName: this.tableName, Key: key, ConsistentRead: true })),
    );
    return response.Item;
  }

  private async putItem(item: AttributeMap): Promise<void> {
    await callAws(this.context('PutItem', item.pk?.S), () =>
      this.client.send(new PutItemCommand({ TableName: this.tableName, Item: item })),
    );
  }

  // Deployments

  async getDeployment(deploymentId: string): Promise<DeploymentRecord | undefined> {
    const item = await this.getItem(deploymentKey(deploymentId));
    return item ? deploymentOf(item) : undefined;
  }

  async createDeployment(record: DeploymentRecord): Promise<{ record: DeploymentRecord; created: boolean }> {
    const item = deploymentItem(record);
    const put = await attempt(this.context('PutItem', `DEPLOYMENT#${record.deploymentId}`), () =>
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    if (put.passed) return { record: deploymentOf(item), created: true };
    const stored = await this.getDeployment(record.deploymentId);
    // Deployments are never deleted, so a failed attribute_not_exists means the item is there.
    if (!stored)
      throw new DeploymentDoesNotExistException(`The deployment ${record.deploymentId} could not be found`);
    return { record: stored, created: false };
  }

  async updateDeployment(
    deploymentId: string,
    changes: Partial<DeploymentRecord>,
    expectedStatuses?: readonly string[],
  ): Promise<DeploymentRecord> {
    const names: Record<string, string> = {};
    const values: AttributeMap = {};
    const sets: string[] = [];
    const removes: string[] = [];
    const conditions = ['attribute_exists(pk)'];
    const nameOf = (attribute: string): string => {
      const placeholder = `#n${Object.keys(names).length}`;
      names[placeholder] = attribute;
      return placeholder;
    };
    const valueOf = (attribute: AttributeValue): string => {
      const placeholder = `:v${Object.keys(values).length}`;
      values[placeholder] = attribute;
      return placeholder;
    };

    for (const [field, value] of Object.entries(changes)) {
      const attribute = toAttributeValue(value);
      if (attribute === undefined) {
        if (!IDENTITY_FIELDS.has(field) && !REQUIRED_FIELDS.has(field)) removes.push(nameOf(field));
      } else if (IDENTITY_FIELDS.has(field)) {
        // Callers may pass a whole record back; its identity must match the stored one.
        conditions.push(`${nameOf(field)} = ${valueOf(attribute)}`);
      } else {
        const name = nameOf(field);
        const placeholder = valueOf(attribute);
        sets.push(`${name} = ${placeholder}`);
        // The index sort key follows createTime so that listing stays in creation order.
        if (field === 'createTime') sets.push(`gsi1sk = ${placeholder}`);
      }
    }
    if (expectedStatuses) {
      // `IN ()` is not valid syntax; an empty list of accepted statuses can never match.
      conditions.push(
        expectedStatuses.length === 0
          ? 'attribute_not_exists(pk)'
          : `${nameOf('status')} IN (${expectedStatuses.map((status) => valueOf(s(status))).join(', ')})`,
      );
    }

    const clauses = [
      sets.length ? `SET ${sets.join(', ')}` : '',
      removes.length ? `REMOVE ${removes.join(', ')}` : '',
    ];
    const updateExpression = clauses.filter(Boolean).join(' ');
    const update = await attempt(this.context('UpdateItem', `DEPLOYMENT#${deploymentId}`), () =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: deploymentKey(deploymentId),
          ...(updateExpression ? { UpdateExpression: updateExpression } : {}),
          ConditionExpression: conditions.join(' AND '),
          ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
          ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    if (update.passed && update.value.Attributes) return deploymentOf(update.value.Attributes);
    return this.explainFailedUpdate(deploymentId, changes, expectedStatuses);
  }

  /** Re-reads the deployment to say which condition of a failed update did not hold. */
  private async explainFailedUpdate(
    deploymentId: string,
    changes: Partial<DeploymentRecord>,
    expectedStatuses: readonly string[] | undefined,
  ): Promise<never> {
    const stored = await this.getDeployment(deploymentId);
    if (!stored)
      throw new DeploymentDoesNotExistException(`The deployment ${deploymentId} could not be found`);
    for (const field of IDENTITY_FIELDS) {
      const wanted = changes[field as keyof DeploymentRecord];
      if (wanted !== undefined && wanted !== stored[field as keyof DeploymentRecord]) {
        throw new TypeError(`The ${field} of deployment ${deploymentId} cannot change`);
      }
    }
    throw new DeploymentStatusConflictError(
      `Deployment ${deploymentId} is ${stored.status ?? 'without status'}, expected one of: ${(expectedStatuses ?? []).join(', ') || '(none)'}`,
    );
  }

  async listDeployments(filter?: {
    applicationName?: string;
    deploymentGroupName?: string;
  }): Promise<DeploymentRecord[]> {
    const app = filter?.applicationName;
    const group = filter?.deploymentGroupName;
    if (app !== undefined && group !== undefined) return this.queryGroup(app, group);

    const conditions = ['sk = :deployment'];
    const values: AttributeMap = { ':deployment': s('DEPLOYMENT') };
    if (app !== undefined) {
      conditions.push('applicationName = :app');
      values[':app'] = s(app);
    }
    if (group !== undefined) {
      conditions.push('deploymentGroupName = :group');
      values[':group'] = s(group);
    }
    const records: DeploymentRecord[] = [];
    let startKey: AttributeMap | undefined;
    do {
      const exclusiveStartKey = startKey;
      const page = await callAws(this.context('Scan'), () =>
        this.client.send(
          new ScanCommand({
            TableName: this.tableName,
            FilterExpression: conditions.join(' AND '),
            ExpressionAttributeValues: values,
            ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
          }),
        ),
      );
      for (const item of page.Items ?? []) records.push(deploymentOf(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    // A Scan has no order; sort newest first as the index query returns them.
    return records.sort(
      (a, b) => b.createTime.localeCompare(a.createTime) || b.deploymentId.localeCompare(a.deploymentId),
    );
  }

  private async queryGroup(app: string, group: string): Promise<DeploymentRecord[]> {
    const records: DeploymentRecord[] = [];
    let startKey: AttributeMap | undefined;
    do {
      const exclusiveStartKey = startKey;
      const page = await callAws(this.context('Query', BY_GROUP_INDEX), () =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: BY_GROUP_INDEX,
            KeyConditionExpression: 'gsi1pk = :pk',
            ExpressionAttributeValues: { ':pk': s(groupIndexKey(app, group)) },
            ScanIndexForward: false,
            ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
          }),
        ),
      );
      for (const item of page.Items ?? []) records.push(deploymentOf(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return records;
  }

  async claimExecutionName(executionName: string, deploymentId: string): Promise<string> {
    const put = await attempt(this.context('PutItem', `EXECUTION#${executionName}`), () =>
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...executionKey(executionName),
            executionName: s(executionName),
            deploymentId: s(deploymentId),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    if (put.passed) return deploymentId;
    const claimed = stringAttribute(await this.getItem(executionKey(executionName)), 'deploymentId');
    if (claimed === undefined)
      throw new TypeError(`Execution name ${executionName} is claimed without a deployment id`);
    return claimed;
  }

  async claimedDeploymentId(executionName: string): Promise<string | undefined> {
    return stringAttribute(await this.getItem(executionKey(executionName)), 'deploymentId');
  }

  // Deployment groups

  async getDeploymentGroup(
    applicationName: string,
    deploymentGroupName: string,
  ): Promise<DeploymentGroupRecord | undefined> {
    const item = await this.getItem(groupKey(applicationName, deploymentGroupName, 'CONFIG'));
    return item ? (recordOf(item) as unknown as DeploymentGroupRecord) : undefined;
  }

  async putDeploymentGroup(group: DeploymentGroupRecord): Promise<void> {
    await this.putItem({
      ...marshallItem(group),
      ...groupKey(group.applicationName, group.deploymentGroupName, 'CONFIG'),
    });
  }

  // Group lock

  async acquireGroupLock(
    applicationName: string,
    deploymentGroupName: string,
    deploymentId: string,
  ): Promise<void> {
    const key = groupKey(applicationName, deploymentGroupName, 'LOCK');
    for (let round = 0; round < LOCK_ATTEMPTS; round++) {
      const put = await attempt(this.context('PutItem', key.pk?.S), () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: {
              ...key,
              activeDeploymentId: s(deploymentId),
              applicationName: s(applicationName),
              deploymentGroupName: s(deploymentGroupName),
            },
            // Idempotent for the holder: a retried Prepare must not lock itself out.
            ConditionExpression: 'attribute_not_exists(pk) OR activeDeploymentId = :me',
            ExpressionAttributeValues: { ':me': s(deploymentId) },
          }),
        ),
      );
      if (put.passed) return;
      const holder = await this.getGroupLockHolder(applicationName, deploymentGroupName);
      if (holder !== undefined && holder !== deploymentId) {
        throw new DeploymentLimitExceededException(
          `The Deployment Group '${deploymentGroupName}' already has an active Deployment '${holder}'`,
        );
      }
      // The holder released the lock between the write and the read: try again.
    }
    throw new TypeError(
      `Could not take the lock of ${applicationName}/${deploymentGroupName}: it keeps changing hands`,
    );
  }

  async releaseGroupLock(
    applicationName: string,
    deploymentGroupName: string,
    deploymentId: string,
  ): Promise<void> {
    const key = groupKey(applicationName, deploymentGroupName, 'LOCK');
    // A failed condition means someone else holds the lock (or nobody does): nothing to release.
    await attempt(this.context('DeleteItem', key.pk?.S), () =>
      this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: key,
          ConditionExpression: 'activeDeploymentId = :me',
          ExpressionAttributeValues: { ':me': s(deploymentId) },
        }),
      ),
    );
  }

  async getGroupLockHolder(
    applicationName: string,
    deploymentGroupName: string,
  ): Promise<string | undefined> {
    const item = await this.getItem(groupKey(applicationName, deploymentGroupName, 'LOCK'));
    return stringAttribute(item, 'activeDeploymentId');
  }

  // Hook executions

  async putHookExecution(record: HookExecutionRecord): Promise<void> {
    await this.putItem({ ...marshallItem(record), ...hookKey(record.lifecycleEventHookExecutionId) });
  }

  async getHookExecution(hookExecutionId: string): Promise<HookExecutionRecord | undefined> {
    const item = await this.getItem(hookKey(hookExecutionId));
    return item ? hookOf(item) : undefined;
  }

  async completeHookExecution(
    hookExecutionId: string,
    status: 'Succeeded' | 'Failed',
  ): Promise<HookExecutionRecord> {
    const update = await attempt(this.context('UpdateItem', `HOOK#${hookExecutionId}`), () =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: hookKey(hookExecutionId),
          UpdateExpression: 'SET #status = :status',
          // Only the first answer counts, as with CodeDeploy's PutLifecycleEventHookExecutionStatus.
          ConditionExpression: 'attribute_exists(pk) AND #status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':status': s(status), ':pending': s('Pending') },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    if (update.passed && update.value.Attributes) return hookOf(update.value.Attributes);
    const existing = await this.getItem(hookKey(hookExecutionId));
    if (!existing)
      throw new InvalidLifecycleEventHookExecutionIdException(
        `The lifecycle event hook execution '${hookExecutionId}' does not exist`,
      );
    throw new LifecycleEventAlreadyCompletedException(
      `The lifecycle event hook execution '${hookExecutionId}' has already completed`,
    );
  }

  // Pending waits

  async putPendingWait(wait: PendingWait): Promise<void> {
    // Unconditional: a deployment is parked on one token at a time, and the newest wait replaces it.
    await this.putItem({ ...marshallItem(wait), ...waitKey(wait.deploymentId) });
  }

  async getPendingWait(deploymentId: string): Promise<PendingWait | undefined> {
    const item = await this.getItem(waitKey(deploymentId));
    return item ? (recordOf(item) as unknown as PendingWait) : undefined;
  }

  async clearPendingWait(deploymentId: string, taskToken: string): Promise<void> {
    // A failed condition means a later wait replaced this one (or none is left): keep it.
    await attempt(this.context('DeleteItem', `DEPLOYMENT#${deploymentId}`), () =>
      this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: waitKey(deploymentId),
          ConditionExpression: 'taskToken = :token',
          ExpressionAttributeValues: { ':token': s(taskToken) },
        }),
      ),
    );
  }

  // Alarm watches

  async watchAlarms(deploymentId: string, alarmNames: readonly string[]): Promise<void> {
    await Promise.all(
      [...new Set(alarmNames)].map((alarmName) =>
        this.putItem({
          ...alarmWatchKey(alarmName, deploymentId),
          alarmName: s(alarmName),
          deploymentId: s(deploymentId),
        }),
      ),
    );
  }

  async unwatchAlarms(deploymentId: string, alarmNames: readonly string[]): Promise<void> {
    await Promise.all(
      [...new Set(alarmNames)].map((alarmName) =>
        callAws(this.context('DeleteItem', `ALARM#${alarmName}`), () =>
          this.client.send(
            new DeleteItemCommand({ TableName: this.tableName, Key: alarmWatchKey(alarmName, deploymentId) }),
          ),
        ),
      ),
    );
  }

  async deploymentsWatchingAlarm(alarmName: string): Promise<string[]> {
    const ids: string[] = [];
    let startKey: AttributeMap | undefined;
    do {
      const exclusiveStartKey = startKey;
      const page = await callAws(this.context('Query', `ALARM#${alarmName}`), () =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': s(`ALARM#${alarmName}`) },
            ProjectionExpression: 'deploymentId',
            ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
          }),
        ),
      );
      for (const item of page.Items ?? []) {
        const id = stringAttribute(item, 'deploymentId');
        if (id !== undefined) ids.push(id);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return ids;
  }

  // Instance targets (Server deployments)

  async putDeploymentTarget(target: InstanceTargetRecord): Promise<void> {
    await this.putItem({ ...marshallItem(target), ...targetKey(target.deploymentId, target.targetId) });
  }

  async listDeploymentTargets(deploymentId: string): Promise<InstanceTargetRecord[]> {
    const targets: InstanceTargetRecord[] = [];
    let startKey: AttributeMap | undefined;
    do {
      const exclusiveStartKey = startKey;
      const page = await callAws(this.context('Query', `DEPLOYMENT#${deploymentId}`), () =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :target)',
            ExpressionAttributeValues: { ':pk': s(`DEPLOYMENT#${deploymentId}`), ':target': s('TARGET#') },
            ConsistentRead: true,
            ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
          }),
        ),
      );
      for (const item of page.Items ?? []) targets.push(recordOf(item) as unknown as InstanceTargetRecord);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return targets;
  }

  // Lifecycle event commands in flight

  async putCommandWait(wait: CommandWait): Promise<void> {
    await this.putItem({ ...marshallItem(wait), ...commandKey(wait.commandId) });
  }

  async getCommandWait(commandId: string): Promise<CommandWait | undefined> {
    const item = await this.getItem(commandKey(commandId));
    return item ? (recordOf(item) as unknown as CommandWait) : undefined;
  }

  async deleteCommandWait(commandId: string): Promise<void> {
    await callAws(this.context('DeleteItem', `COMMAND#${commandId}`), () =>
      this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: commandKey(commandId) })),
    );
  }

  async takeCommandWait(commandId: string): Promise<CommandWait | undefined> {
    const deleted = await callAws(this.context('DeleteItem', `COMMAND#${commandId}`), () =>
      this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: commandKey(commandId),
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    return deleted.Attributes ? (recordOf(deleted.Attributes) as unknown as CommandWait) : undefined;
  }

  async retokenCommandWait(commandId: string, taskToken: string): Promise<boolean> {
    const update = await attempt(this.context('UpdateItem', `COMMAND#${commandId}`), () =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: commandKey(commandId),
          UpdateExpression: 'SET taskToken = :token',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':token': s(taskToken) },
        }),
      ),
    );
    return update.passed;
  }
}
