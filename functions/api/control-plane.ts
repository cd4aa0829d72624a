/**
 * What the control plane's operations need (applications, deployment groups, deployment configs,
 * revisions, on-premises instances), and the helpers they share: name checks, time formats, pages.
 */
import { CodeDeployException } from '../domain/codedeploy-exception.js';
import type { CodeDeployExceptionName, LastDeploymentInfo, Tag } from '../domain/codedeploy-shapes.js';
import type { ApplicationRevisionStore } from '../ports/application-revisions.js';
import type { ApplicationRecord, ApplicationStore } from '../ports/applications.js';
import type { ClockPort } from '../ports/clock.js';
import type { DeploymentConfigStore } from '../ports/deployment-configs.js';
import type { DeploymentGroupConfigStore } from '../ports/deployment-group-configs.js';
import type { OnPremisesHostProvisioner } from '../ports/on-premises-hosts.js';
import type { OnPremisesInstanceStore } from '../ports/on-premises-instances.js';
import type { DeploymentGroupRecord } from '../ports/records.js';

export interface ControlPlane {
  applications: ApplicationStore;
  deploymentGroups: DeploymentGroupConfigStore;
  deploymentConfigs: DeploymentConfigStore;
  revisions: ApplicationRevisionStore;
  onPremisesInstances: OnPremisesInstanceStore;
  clock: ClockPort;
  /** A new unique id (applicationId, deploymentGroupId, deploymentConfigId): a UUID, as CodeDeploy's. */
  newId(): string;
  /** The region ARNs name (instanceArn). */
  region: string;
  /** Creates the machine behind a registered on-premises instance (a local host); none in AWS. */
  hosts?: OnPremisesHostProvisioner;
  /**
   * The deployment facts of a group's DeploymentGroupInfo (last successful and last attempted
   * deployment), which come from the deployment records. Without it, lastSuccessfulDeployment
   * carries only the id the engine recorded.
   */
  describeGroupDeployments?(
    group: DeploymentGroupRecord,
  ): Promise<{ lastSuccessfulDeployment?: LastDeploymentInfo; lastAttemptedDeployment?: LastDeploymentInfo }>;
  /** Deployments not finished yet that run with this config (DeleteDeploymentConfig refuses then). */
  activeDeploymentsUsingConfig?(deploymentConfigName: string): Promise<string[]>;
  /** Items per page of the List operations (CodeDeploy's own page sizes are not documented). */
  pageSize?: number;
}

export const DEFAULT_PAGE_SIZE = 100;

/** Application, deployment group and deployment config names: 1-100 of [A-Za-z0-9._+=,@-]. */
const NAME = /^[A-Za-z0-9._+=,@-]{1,100}$/;
/**
 * On-premises instance names: the same characters, not starting with a dot, since a name becomes a
 * directory on the local runtime (`hosts/<name>`) [inferred: CodeDeploy documents no pattern].
 */
const INSTANCE_NAME = /^[A-Za-z0-9_+=,@-][A-Za-z0-9._+=,@-]{0,99}$/;

export function checkName(
  value: string,
  field: string,
  exception: CodeDeployExceptionName,
  pattern: RegExp = NAME,
): string {
  if (!pattern.test(value)) {
    throw new CodeDeployException(
      exception,
      `${field} ${JSON.stringify(value.length > 120 ? `${value.slice(0, 120)}...` : value)} is not valid: use 1-100 characters of letters, digits and . _ + = , @ -${pattern === INSTANCE_NAME ? ', not starting with a dot' : ''}.`,
    );
  }
  return value;
}

export const checkApplicationName = (value: string, field = 'applicationName') =>
  checkName(value, field, 'InvalidApplicationNameException');
export const checkDeploymentGroupName = (value: string, field = 'deploymentGroupName') =>
  checkName(value, field, 'InvalidDeploymentGroupNameException');
export const checkInstanceName = (value: string, field = 'instanceName') =>
  checkName(value, field, 'InvalidInstanceNameException', INSTANCE_NAME);

/** Epoch seconds, as the JSON protocol's timestamps are. */
export function seconds(iso: string): number;
export function seconds(iso: string | undefined): number | undefined;
export function seconds(iso: string | undefined): number | undefined {
  return iso === undefined ? undefined : Date.parse(iso) / 1000;
}

/** The application, or ApplicationDoesNotExistException. */
export async function requireApplication(
  controlPlane: ControlPlane,
  applicationName: string,
): Promise<ApplicationRecord> {
  const application = await controlPlane.applications.getApplication(checkApplicationName(applicationName));
  if (!application) {
    throw new CodeDeployException(
      'ApplicationDoesNotExistException',
      `No application found for name: ${applicationName}`,
    );
  }
  return application;
}

/** The group, or DeploymentGroupDoesNotExistException. */
export async function requireDeploymentGroup(
  controlPlane: ControlPlane,
  applicationName: string,
  deploymentGroupName: string,
): Promise<DeploymentGroupRecord> {
  const group = await controlPlane.deploymentGroups.getDeploymentGroup(applicationName, deploymentGroupName);
  if (!group) {
    throw new CodeDeployException(
      'DeploymentGroupDoesNotExistException',
      `No Deployment Group found for name: ${deploymentGroupName}`,
    );
  }
  return group;
}

/** A list member the operation needs non-empty (an empty list is as good as missing). */
export function requireList<T>(
  list: T[] | undefined,
  exception: CodeDeployExceptionName,
  field: string,
): T[] {
  if (!list || list.length === 0)
    throw new CodeDeployException(exception, `${field} is required: give at least one.`);
  return list;
}

export function checkBatchSize(list: readonly unknown[], limit: number, field: string): void {
  if (list.length > limit) {
    throw new CodeDeployException(
      'BatchLimitExceededException',
      `${field} has ${list.length} entries; the maximum number of names or IDs allowed for this request is ${limit}.`,
    );
  }
}

/**
 * One page of an in-memory list (predefined plus custom configs, sorted revisions): the token is the
 * offset, encoded. A token that does not decode to an offset within the list is InvalidNextTokenException.
 */
export function offsetPage<T>(
  items: readonly T[],
  nextToken: string | undefined,
  limit: number,
): { items: T[]; nextToken?: string } {
  let offset = 0;
  if (nextToken !== undefined) {
    const match = /^o(\d{1,9})$/.exec(Buffer.from(nextToken, 'base64url').toString('utf8'));
    offset = match ? Number(match[1]) : -1;
    if (offset < 0 || offset > items.length) {
      throw new CodeDeployException(
        'InvalidNextTokenException',
        'The next token was specified in an invalid format: pass back the nextToken of the previous page unchanged.',
      );
    }
  }
  const end = offset + limit;
  return {
    items: items.slice(offset, end),
    ...(end < items.length ? { nextToken: Buffer.from(`o${end}`, 'utf8').toString('base64url') } : {}),
  };
}

/** Resource tags (CreateApplication, CreateDeploymentGroup): AWS's tagging rules. */
export const MAX_RESOURCE_TAGS = 50;
export function checkResourceTags(tags: Tag[] | undefined): Tag[] | undefined {
  if (!tags || tags.length === 0) return undefined;
  const fail = (message: string) => new CodeDeployException('InvalidTagsToAddException', message);
  if (tags.length > MAX_RESOURCE_TAGS)
    throw fail(`tags has ${tags.length} tags; the maximum is ${MAX_RESOURCE_TAGS}.`);
  const keys = new Set<string>();
  return tags.map((tag, index) => {
    const key = tag.Key ?? '';
    if (key === '' || key.length > 128) throw fail(`tags[${index}].Key must be 1-128 characters.`);
    if (key.toLowerCase().startsWith('aws:')) throw fail(`tags[${index}].Key: the aws: prefix is reserved.`);
    if ((tag.Value ?? '').length > 256) throw fail(`tags[${index}].Value is longer than 256 characters.`);
    if (keys.has(key)) throw fail(`tags gives the key ${key} twice.`);
    keys.add(key);
    return { Key: key, Value: tag.Value ?? '' };
  });
}
