import type { PutItemCommandInput, UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import type { DeploymentGroupRecord } from '../../ports/records.js';
import { marshallItem } from './dynamodb-marshalling.js';
import { APPLICATIONS_LISTING, applicationKey, groupListingKey } from './dynamodb-control-plane-keys.js';
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
  'deploymentStyle',
  'ecsServices',
  'loadBalancerInfo',
  'blueGreenDeploymentConfiguration',
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

/**
 * The application a declared group belongs to, as CreateApplication writes it (the same item shape,
 * with its listing keys), so ListApplications and GetApplication see it: created on first
 * declaration, its id kept by later ones. No createTime is known at synth time (it is optional in
 * ApplicationInfo, and left out).
 */
export function declaredApplicationUpdate(
  tableName: string,
  application: { applicationName: string; applicationId: string; computePlatform: string },
): UpdateItemCommandInput {
  return {
    TableName: tableName,
    Key: applicationKey(application.applicationName),
    UpdateExpression:
      'SET applicationName = :name, computePlatform = :platform, gsi1pk = :listing, gsi1sk = :name, applicationId = if_not_exists(applicationId, :id)',
    ExpressionAttributeValues: {
      ':name': { S: application.applicationName },
      ':platform': { S: application.computePlatform },
      ':listing': { S: APPLICATIONS_LISTING },
      ':id': { S: application.applicationId },
    },
  };
}

/** The item that lists a declared group under its application (ListDeploymentGroups). */
export function declaredGroupListing(
  tableName: string,
  applicationName: string,
  deploymentGroupName: string,
): PutItemCommandInput {
  return {
    TableName: tableName,
    Item: {
      ...groupListingKey(applicationName, deploymentGroupName),
      applicationName: { S: applicationName },
      deploymentGroupName: { S: deploymentGroupName },
    },
  };
}
