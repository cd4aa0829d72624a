import type { UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import type { DeploymentGroupRecord } from '../../ports/records.js';
import { marshallItem } from './dynamodb-marshalling.js';
import { groupKey } from './dynamodb-store/keys.js';

/** The part of a deployment group its owner declares; the rest (last success, health) is the runtime's. */
export type DeploymentGroupConfig = Omit<
  DeploymentGroupRecord,
  'lastSuccessfulDeploymentId' | 'instanceHealth'
>;

const DECLARED_FIELDS = [
  'deploymentGroupId',
  'computePlatform',
  'deploymentConfigName',
  'alarmConfiguration',
  'autoRollbackConfiguration',
  'instanceIds',
  'targetGroupNames',
  'ec2TagFilters',
  'ec2TagSet',
  'onPremisesInstanceTagFilters',
  'onPremisesTagSet',
  'autoScalingGroups',
] as const satisfies ReadonlyArray<keyof DeploymentGroupConfig>;

/**
 * The UpdateItem that writes a declared group's configuration into the store's CONFIG item (the CDK
 * deployment-group constructs send it from a custom resource). It sets the declared fields and removes
 * the ones no longer declared, but never touches what deployments recorded (lastSuccessfulDeploymentId,
 * instanceHealth), so redeploying the stack keeps a group's history. Values may be CDK tokens.
 */
export function deploymentGroupConfigUpdate(
  tableName: string,
  config: DeploymentGroupConfig,
): UpdateItemCommandInput {
  const values = marshallItem(config);
  const set = DECLARED_FIELDS.filter((field) => values[field] !== undefined);
  const remove = DECLARED_FIELDS.filter((field) => values[field] === undefined);
  const names = Object.fromEntries(
    [...set, ...remove, 'applicationName', 'deploymentGroupName'].map((field) => [`#${field}`, field]),
  );
  const assignments = ['applicationName', 'deploymentGroupName', ...set].map(
    (field) => `#${field} = :${field}`,
  );
  return {
    TableName: tableName,
    Key: groupKey(config.applicationName, config.deploymentGroupName, 'CONFIG'),
    UpdateExpression: `SET ${assignments.join(', ')}${remove.length ? ` REMOVE ${remove.map((f) => `#${f}`).join(', ')}` : ''}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: Object.fromEntries(
      ['applicationName', 'deploymentGroupName', ...set].map((field) => [`:${field}`, values[field]!]),
    ),
  };
}
