/**
 * The DeploymentStore over one DynamoDB table (dynalite serves the same API locally), one module per
 * role under dynamodb-store/: each builds its own commands, so each declares the IAM actions it needs,
 * and a function is granted those of the roles its step uses.
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
 * | instance health| GROUP#<app>#<group> | HEALTH#<id>     | instanceId, health                               |
 * | queue entry    | DEPLOYMENT#<id>     | QUEUE#<wave>#<u|h>#<position> | InstanceQueueEntry fields          |
 * | batch chunk    | DEPLOYMENT#<id>     | CHUNK#<batch>#<chunk> | BatchChunk fields (50 instances at most)   |
 * | event wait     | DEPLOYMENT#<id>     | EVENT#<batch>#<event> | EventWait fields                           |
 *
 * GSI `byGroup` (gsi1pk / gsi1sk, projection ALL): only deployment items carry its keys, so it lists a
 * group's deployments by creation time. Every write is a single-item (conditional) write or a
 * BatchWriteItem of unconditional ones: dynalite has no TransactWriteItems, and no operation here
 * needs more than one item to change atomically.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DeploymentStore, StoreRole, StoreRoles } from '../../ports/deployment-store.js';
import { ALARM_WATCHES_IAM_ACTIONS, dynamoDbAlarmWatches } from './dynamodb-store/alarm-watches.js';
import { COMMAND_WAITS_IAM_ACTIONS, dynamoDbCommandWaits } from './dynamodb-store/command-waits.js';
import {
  DEPLOYMENT_GROUPS_IAM_ACTIONS,
  dynamoDbDeploymentGroups,
} from './dynamodb-store/deployment-groups.js';
import {
  DEPLOYMENT_RECORDS_IAM_ACTIONS,
  dynamoDbDeploymentRecords,
} from './dynamodb-store/deployment-records.js';
import {
  DEPLOYMENT_TARGETS_IAM_ACTIONS,
  dynamoDbDeploymentTargets,
} from './dynamodb-store/deployment-targets.js';
import { dynamoDbExecutionNames, EXECUTION_NAMES_IAM_ACTIONS } from './dynamodb-store/execution-names.js';
import { dynamoDbGroupDeclarations } from './dynamodb-store/group-declarations.js';
import { dynamoDbGroupLocks, GROUP_LOCKS_IAM_ACTIONS } from './dynamodb-store/group-locks.js';
import { dynamoDbHookExecutions, HOOK_EXECUTIONS_IAM_ACTIONS } from './dynamodb-store/hook-executions.js';
import { dynamoDbPendingWaits, PENDING_WAITS_IAM_ACTIONS } from './dynamodb-store/pending-waits.js';
import { dynamoDbServerBatches, SERVER_BATCHES_IAM_ACTIONS } from './dynamodb-store/server-batches.js';
import { DynamoTable } from './dynamodb-store/table.js';

export { groupKey } from './dynamodb-store/keys.js';
export { DynamoTable } from './dynamodb-store/table.js';
export { BY_GROUP_INDEX, createTable, createTableInput, tableDefinition } from './dynamodb-table.js';

/** Each role over the table. */
export const DYNAMODB_STORE_ROLES: { readonly [R in StoreRole]: (table: DynamoTable) => StoreRoles[R] } = {
  deployments: dynamoDbDeploymentRecords,
  executionNames: dynamoDbExecutionNames,
  groups: dynamoDbDeploymentGroups,
  groupLocks: dynamoDbGroupLocks,
  hookExecutions: dynamoDbHookExecutions,
  pendingWaits: dynamoDbPendingWaits,
  alarmWatches: dynamoDbAlarmWatches,
  deploymentTargets: dynamoDbDeploymentTargets,
  commandWaits: dynamoDbCommandWaits,
  serverBatches: dynamoDbServerBatches,
};

/**
 * What each role calls (checked against its code by iam-actions.test.ts). CreateTable and
 * DescribeTable (dynamodb-table.ts) are left out on purpose: only the local runtime creates its
 * table, the stack owns it in AWS.
 */
export const DYNAMODB_ROLE_IAM_ACTIONS: { readonly [R in StoreRole]: readonly string[] } = {
  deployments: DEPLOYMENT_RECORDS_IAM_ACTIONS,
  executionNames: EXECUTION_NAMES_IAM_ACTIONS,
  groups: DEPLOYMENT_GROUPS_IAM_ACTIONS,
  groupLocks: GROUP_LOCKS_IAM_ACTIONS,
  hookExecutions: HOOK_EXECUTIONS_IAM_ACTIONS,
  pendingWaits: PENDING_WAITS_IAM_ACTIONS,
  alarmWatches: ALARM_WATCHES_IAM_ACTIONS,
  deploymentTargets: DEPLOYMENT_TARGETS_IAM_ACTIONS,
  commandWaits: COMMAND_WAITS_IAM_ACTIONS,
  serverBatches: SERVER_BATCHES_IAM_ACTIONS,
};

/** Every role over one table, and group declarations: the store of the embedded runtime, the API and the CLI. */
export function dynamoDbDeploymentStore(client: DynamoDBClient, tableName: string): DeploymentStore {
  const table = new DynamoTable(client, tableName);
  return {
    ...dynamoDbDeploymentRecords(table),
    ...dynamoDbExecutionNames(table),
    ...dynamoDbDeploymentGroups(table),
    ...dynamoDbGroupDeclarations(table),
    ...dynamoDbGroupLocks(table),
    ...dynamoDbHookExecutions(table),
    ...dynamoDbPendingWaits(table),
    ...dynamoDbAlarmWatches(table),
    ...dynamoDbDeploymentTargets(table),
    ...dynamoDbCommandWaits(table),
    ...dynamoDbServerBatches(table),
  };
}
