/**
 * CreateDeployment: checks the request as CodeDeploy does (application, group, revision, config,
 * per-deployment options), takes the group's lock (one active deployment per group:
 * DeploymentLimitExceededException otherwise, as CodeDeploy answers), records the deployment
 * (status Created, so it can be read at once) and its revision's use, and starts the flow's state
 * machine through the executions port, whose Prepare carries on from the record.
 */
import { CodeDeployException } from '../domain/codedeploy-exception.js';
import type {
  CreateDeploymentInput,
  RevisionLocation as ApiRevisionLocation,
} from '../domain/codedeploy-shapes.js';
import { getPredefinedConfig } from '../domain/deployment-configs.js';
import { normalizeAlarms, normalizeAutoRollback } from '../domain/deployment-group-rules.js';
import { formatDeploymentId } from '../domain/deployment-id.js';
import { flowKeyOf } from '../domain/flows.js';
import { isTerminalDeploymentStatus } from '../domain/status.js';
import { validateTagFilters, validateTagSet } from '../domain/tag-filters.js';
import type { DeploymentRequest, RevisionLocation } from '../ports/records.js';
import { UNRENEWED_LOCK_LEASE_SECONDS } from '../steps/group-lock-lease.js';
import { newDeploymentRecord } from '../steps/prepare.js';
import { acceptRevision, MAX_DESCRIPTION_LENGTH, recordRevisionUse } from './application-revisions.js';
import {
  checkDeploymentGroupName,
  checkName,
  requireApplication,
  requireDeploymentGroup,
  type ControlPlane,
} from './control-plane.js';
import type { DeploymentUseCases } from './deployment-use-cases.js';

function invalid(name: ConstructorParameters<typeof CodeDeployException>[0], message: string) {
  return new CodeDeployException(name, message);
}

async function checkConfig(controlPlane: ControlPlane, name: string, platform: string): Promise<void> {
  checkName(name, 'deploymentConfigName', 'InvalidDeploymentConfigNameException');
  const config =
    getPredefinedConfig(name) ?? (await controlPlane.deploymentConfigs.getDeploymentConfig(name));
  if (!config) {
    throw invalid(
      'DeploymentConfigDoesNotExistException',
      `No deployment configuration found for name: ${name}`,
    );
  }
  if (config.computePlatform !== platform) {
    throw invalid(
      'InvalidDeploymentConfigNameException',
      `Deployment configuration ${name} is for the ${config.computePlatform} compute platform; this is a ${platform} deployment.`,
    );
  }
}

export async function createDeployment(
  input: CreateDeploymentInput,
  useCases: DeploymentUseCases,
): Promise<{ deploymentId: string }> {
  const controlPlane = useCases.controlPlane;
  if (!controlPlane) {
    throw new TypeError('CreateDeployment needs the control plane (applications, groups, configs).');
  }
  const application = await requireApplication(controlPlane, input.applicationName);
  if (input.deploymentGroupName === undefined || input.deploymentGroupName === '') {
    throw invalid('DeploymentGroupNameRequiredException', 'deploymentGroupName is required.');
  }
  const groupName = checkDeploymentGroupName(input.deploymentGroupName);
  const group = await requireDeploymentGroup(controlPlane, application.applicationName, groupName);
  const platform = group.computePlatform;
  const flow = flowKeyOf(group);

  if (!input.revision) {
    throw invalid(
      'RevisionRequiredException',
      'revision is required: give the revision to deploy (an S3 bundle, or AppSpecContent for Lambda and ECS).',
    );
  }
  const accepted = acceptRevision(input.revision, platform);
  const supported = useCases.revisionTypes ?? ['S3', 'AppSpecContent', 'String', 'GitHub'];
  if (!supported.includes(accepted.revisionType!)) {
    throw invalid(
      'InvalidRevisionException',
      `revision.revisionType ${accepted.revisionType} is not deployed here: ${
        accepted.revisionType === 'GitHub'
          ? 'GitHub revisions are deployed by stepdeploy in AWS only; on this machine, upload the bundle to the S3 endpoint (stepdeploy deploy DIR does) and deploy it as an S3 revision'
          : `use ${supported.join(', ')}`
      }.`,
    );
  }
  const revision = accepted as RevisionLocation;

  if (input.deploymentConfigName !== undefined) {
    await checkConfig(controlPlane, input.deploymentConfigName, platform);
  }
  if (input.description !== undefined && input.description.length > MAX_DESCRIPTION_LENGTH) {
    throw invalid(
      'DescriptionTooLongException',
      `description has ${input.description.length} characters; the maximum is ${MAX_DESCRIPTION_LENGTH}.`,
    );
  }
  if (platform !== 'Server' && input.ignoreApplicationStopFailures) {
    throw invalid(
      'InvalidIgnoreApplicationStopFailuresValueException',
      `ignoreApplicationStopFailures must be false for a ${platform} deployment: only EC2/On-premises deployments run ApplicationStop.`,
    );
  }
  if (platform !== 'Server' && input.updateOutdatedInstancesOnly) {
    throw invalid(
      'InvalidUpdateOutdatedInstancesOnlyValueException',
      `updateOutdatedInstancesOnly must be false for a ${platform} deployment: it has no instances.`,
    );
  }
  if (platform !== 'Server' && input.fileExistsBehavior !== undefined) {
    throw invalid(
      'InvalidFileExistsBehaviorException',
      `fileExistsBehavior applies to EC2/On-premises deployments, which install files; this is a ${platform} deployment.`,
    );
  }
  const targetInstances = input.targetInstances;
  if (targetInstances) {
    if (platform !== 'Server' || flow.deploymentType !== 'BLUE_GREEN') {
      throw invalid(
        'InvalidTargetInstancesException',
        'targetInstances names the replacement fleet of an EC2/On-premises blue/green deployment; this group deploys in place.',
      );
    }
    if (targetInstances.tagFilters?.length && targetInstances.ec2TagSet?.ec2TagSetList?.length) {
      throw invalid(
        'InvalidTargetInstancesException',
        'targetInstances gives both tagFilters and ec2TagSet: use one.',
      );
    }
    if (targetInstances.tagFilters)
      validateTagFilters(
        targetInstances.tagFilters,
        'targetInstances.tagFilters',
        'InvalidTargetInstancesException',
      );
    if (targetInstances.ec2TagSet?.ec2TagSetList)
      validateTagSet(
        targetInstances.ec2TagSet.ec2TagSetList,
        'targetInstances.ec2TagSet',
        'InvalidTargetInstancesException',
      );
  }
  const autoRollbackConfiguration = input.autoRollbackConfiguration
    ? normalizeAutoRollback(input.autoRollbackConfiguration)
    : undefined;
  const overrideAlarmConfiguration = input.overrideAlarmConfiguration
    ? normalizeAlarms(input.overrideAlarmConfiguration)
    : undefined;

  const { store, clock, random } = useCases;
  const deploymentId = formatDeploymentId(random.bytes(9));
  const request: DeploymentRequest & { deploymentId: string } = {
    deploymentId,
    applicationName: application.applicationName,
    deploymentGroupName: groupName,
    revision,
    creator: 'user',
    ...(input.deploymentConfigName !== undefined ? { deploymentConfigName: input.deploymentConfigName } : {}),
    ...(input.description ? { description: input.description } : {}),
    ...(autoRollbackConfiguration
      ? {
          autoRollbackConfiguration: {
            enabled: autoRollbackConfiguration.enabled,
            events: autoRollbackConfiguration.events as NonNullable<
              DeploymentRequest['autoRollbackConfiguration']
            >['events'],
          },
        }
      : {}),
    ...(overrideAlarmConfiguration ? { overrideAlarmConfiguration } : {}),
    ...(input.fileExistsBehavior ? { fileExistsBehavior: input.fileExistsBehavior } : {}),
    ...(input.ignoreApplicationStopFailures ? { ignoreApplicationStopFailures: true } : {}),
    ...(input.updateOutdatedInstancesOnly ? { updateOutdatedInstancesOnly: true } : {}),
    ...(targetInstances ? { targetInstances } : {}),
  };

  // The lock first: a busy group gets CodeDeploy's answer, and nothing is recorded.
  await takeGroupLock(useCases, application.applicationName, groupName, deploymentId);
  const now = clock.now().toISOString();
  try {
    await store.createDeployment(
      newDeploymentRecord({
        deploymentId,
        executionName: deploymentId,
        request,
        group,
        flow,
        status: 'Created',
        now,
      }),
    );
    await store.recordGroupDeploymentState(application.applicationName, groupName, {
      lastAttemptedDeploymentId: deploymentId,
    });
    await recordRevisionUse(
      { revisions: controlPlane.revisions, clock },
      application.applicationName,
      revision as ApiRevisionLocation,
      groupName,
    );
    await useCases.executions.startDeployment(flow, request);
  } catch (error) {
    await failUnstarted(useCases, deploymentId, application.applicationName, groupName, error);
    throw error;
  }
  return { deploymentId };
}

/**
 * The group's lock for the new deployment. A lock its holder left behind when it ended (its process
 * died before Finish) is taken over; a live holder is DeploymentLimitExceededException.
 */
async function takeGroupLock(
  useCases: DeploymentUseCases,
  applicationName: string,
  groupName: string,
  deploymentId: string,
): Promise<void> {
  const { store } = useCases;
  const holder = await store.getGroupLockHolder(applicationName, groupName);
  if (holder) {
    const held = await store.getDeployment(holder);
    // No record yet is a Prepare between its lock and its record: a live holder.
    if (held && isTerminalDeploymentStatus(held.status)) {
      await store.releaseGroupLock(applicationName, groupName, holder);
    }
  }
  // Prepare takes the same lock again for this deployment, with its flow's lease.
  const nowMs = useCases.clock.now().getTime();
  await store.acquireGroupLock(applicationName, groupName, deploymentId, {
    untilMs: nowMs + UNRENEWED_LOCK_LEASE_SECONDS * 1000,
    nowMs,
  });
}

/** A deployment whose execution never started ends Failed, and its group is unlocked. */
async function failUnstarted(
  useCases: DeploymentUseCases,
  deploymentId: string,
  applicationName: string,
  groupName: string,
  error: unknown,
): Promise<void> {
  const { store, clock } = useCases;
  try {
    const record = await store.getDeployment(deploymentId);
    if (record && record.status === 'Created') {
      await store.updateDeployment(
        deploymentId,
        {
          status: 'Failed',
          completeTime: clock.now().toISOString(),
          errorInformation: {
            code: 'INTERNAL_ERROR',
            message: `The deployment could not be started: ${error instanceof Error ? error.message : String(error)}`,
          },
        },
        ['Created'],
      );
    }
  } finally {
    await store.releaseGroupLock(applicationName, groupName, deploymentId);
  }
}
