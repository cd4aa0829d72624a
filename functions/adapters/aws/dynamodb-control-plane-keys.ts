/**
 * The control plane's items in the stepdeploy table (the deployment items are in dynamodb-store.ts).
 *
 * | item                | pk                              | sk              | attributes                                   |
 * |---------------------|---------------------------------|-----------------|----------------------------------------------|
 * | application         | APPLICATION#<app>               | APPLICATION     | ApplicationRecord fields, gsi1pk APPLICATIONS, gsi1sk <app> |
 * | group listing       | APPLICATION#<app>               | GROUP#<group>   | applicationName, deploymentGroupName         |
 * | revision            | APPLICATION#<app>               | REVISION#<id>   | ApplicationRevisionRecord fields (id: sha256 of the location) |
 * | group config        | GROUP#<app>#<group>             | CONFIG          | DeploymentGroupRecord fields (the item the engine reads) |
 * | deployment config   | DEPLOYMENTCONFIG#<name>         | DEPLOYMENTCONFIG| DeploymentConfigRecord fields, gsi1pk DEPLOYMENTCONFIGS, gsi1sk <name> |
 * | on-prem instance    | INSTANCE#<name>                 | INSTANCE        | OnPremisesInstanceRecord fields, gsi1pk INSTANCES, gsi1sk <name> |
 * | IAM identity claim  | IAMARN#<arn>                    | IAMARN          | iamArn, instanceName (one instance per IAM user/session ARN) |
 * | ECS service claim   | ECSSERVICE#<cluster>#<service>  | ECSSERVICE      | applicationName, deploymentGroupName         |
 *
 * Listings: applications, deployment configs and instances through the `byGroup` index (its keys are
 * generic: gsi1pk is the listing, gsi1sk the name); an application's groups and revisions through its
 * partition. Each write is a single-item conditional write: where an operation changes two items (a
 * group and its listing item, an instance and its IAM claim) the one that guards uniqueness is written
 * first and the other follows, so a crash in between leaves a claim without its item, which the next
 * write of the same name repairs, never two owners of one name.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { AttributeMap } from './dynamodb-marshalling.js';
import { awsErrorCode, translateAwsError, type AwsCallContext } from './errors.js';

export const s = (value: string): AttributeValue => ({ S: value });
/** Escapes the separator inside one component of a two-name key (as dynamodb-store.ts does). */
const part = (name: string): string => name.replace(/%/g, '%25').replace(/#/g, '%23');

export const APPLICATIONS_LISTING = 'APPLICATIONS';
export const DEPLOYMENT_CONFIGS_LISTING = 'DEPLOYMENTCONFIGS';
export const INSTANCES_LISTING = 'INSTANCES';

export const applicationPartition = (app: string): string => `APPLICATION#${app}`;
export const applicationKey = (app: string): AttributeMap => ({
  pk: s(applicationPartition(app)),
  sk: s('APPLICATION'),
});
export const groupListingKey = (app: string, group: string): AttributeMap => ({
  pk: s(applicationPartition(app)),
  sk: s(`GROUP#${group}`),
});
export const revisionKey = (app: string, revisionId: string): AttributeMap => ({
  pk: s(applicationPartition(app)),
  sk: s(`REVISION#${revisionId}`),
});
export const deploymentConfigKey = (name: string): AttributeMap => ({
  pk: s(`DEPLOYMENTCONFIG#${name}`),
  sk: s('DEPLOYMENTCONFIG'),
});
export const instanceKey = (name: string): AttributeMap => ({ pk: s(`INSTANCE#${name}`), sk: s('INSTANCE') });
export const iamArnKey = (arn: string): AttributeMap => ({ pk: s(`IAMARN#${arn}`), sk: s('IAMARN') });
export const ecsServiceKey = (cluster: string, service: string): AttributeMap => ({
  pk: s(`ECSSERVICE#${part(cluster)}#${part(service)}`),
  sk: s('ECSSERVICE'),
});

export const KEY_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk'] as const;

/** A stored item without the table's key attributes. */
export function withoutKeys(record: Record<string, unknown>): Record<string, unknown> {
  for (const key of KEY_ATTRIBUTES) delete record[key];
  return record;
}

/**
 * Runs a conditional write: true when it was applied, false when its condition failed; any other
 * failure is translated (AwsServiceError, ThrottlingError).
 */
export async function conditionalWrite(
  context: AwsCallContext,
  write: () => Promise<unknown>,
): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (awsErrorCode(error) === 'ConditionalCheckFailedException') return false;
    throw translateAwsError(error, context);
  }
}
