/**
 * CreateApplication, GetApplication, BatchGetApplications, ListApplications, UpdateApplication and
 * DeleteApplication. As in CodeDeploy, deleting an application deletes its deployment groups and
 * revisions, and renaming one carries them along.
 */
import { CodeDeployException } from '../domain/codedeploy-exception.js';
import type { ApplicationInfo } from '../domain/codedeploy-shapes.js';
import type { ApplicationRecord } from '../ports/applications.js';
import {
  checkApplicationName,
  checkBatchSize,
  checkResourceTags,
  DEFAULT_PAGE_SIZE,
  requireApplication,
  requireList,
  seconds,
  type ControlPlane,
} from './control-plane.js';
import { deleteDeploymentGroupAndClaims, moveDeploymentGroupAndClaims } from './deployment-groups.js';
import { operation, type OperationEntry } from './operation-table.js';

export const MAX_APPLICATIONS = 1000;
export const BATCH_GET_APPLICATIONS_LIMIT = 100;

export function applicationInfo(record: ApplicationRecord): ApplicationInfo {
  return {
    applicationId: record.applicationId,
    applicationName: record.applicationName,
    createTime: seconds(record.createTime),
    linkedToGitHub: false,
    computePlatform: record.computePlatform,
  };
}

/** Every page of a listing, for the cascades (an application has at most 1000 groups). */
async function allGroupNames(controlPlane: ControlPlane, applicationName: string): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await controlPlane.deploymentGroups.listDeploymentGroups(applicationName, {
      limit: DEFAULT_PAGE_SIZE,
      ...(nextToken ? { nextToken } : {}),
    });
    names.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken);
  return names;
}

async function refuseWhileDeploying(
  controlPlane: ControlPlane,
  applicationName: string,
  groups: string[],
): Promise<void> {
  for (const group of groups) {
    const active = await controlPlane.deploymentGroups.activeDeploymentId(applicationName, group);
    if (active) {
      // [inferred] CodeDeploy models no exception for this; the deployment reads its group by name.
      throw new CodeDeployException(
        'InvalidApplicationNameException',
        `Application ${applicationName} cannot be renamed while deployment ${active} of deployment group ${group} is in progress: wait for it to end, or stop it.`,
      );
    }
  }
}

export function applicationOperations(): Record<string, OperationEntry<ControlPlane>> {
  return {
    CreateApplication: operation('CreateApplication', async (input, controlPlane) => {
      const applicationName = checkApplicationName(input.applicationName);
      const tags = checkResourceTags(input.tags);
      if ((await controlPlane.applications.countApplications()) >= MAX_APPLICATIONS) {
        throw new CodeDeployException(
          'ApplicationLimitExceededException',
          `More applications were attempted to be created than are allowed (${MAX_APPLICATIONS}): delete one first.`,
        );
      }
      const record: ApplicationRecord = {
        applicationId: controlPlane.newId(),
        applicationName,
        computePlatform: input.computePlatform ?? 'Server',
        createTime: controlPlane.clock.now().toISOString(),
        ...(tags ? { tags } : {}),
      };
      await controlPlane.applications.createApplication(record);
      return { applicationId: record.applicationId };
    }),

    GetApplication: operation('GetApplication', async (input, controlPlane) => ({
      application: applicationInfo(await requireApplication(controlPlane, input.applicationName)),
    })),

    BatchGetApplications: operation('BatchGetApplications', async (input, controlPlane) => {
      const names = requireList(
        input.applicationNames,
        'ApplicationNameRequiredException',
        'applicationNames',
      );
      checkBatchSize(names, BATCH_GET_APPLICATIONS_LIMIT, 'applicationNames');
      const records = [];
      for (const name of new Set(names)) records.push(await requireApplication(controlPlane, name));
      return { applicationsInfo: records.map(applicationInfo) };
    }),

    ListApplications: operation('ListApplications', async (input, controlPlane) => {
      const page = await controlPlane.applications.listApplications({
        limit: controlPlane.pageSize ?? DEFAULT_PAGE_SIZE,
        ...(input.nextToken ? { nextToken: input.nextToken } : {}),
      });
      return { applications: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
    }),

    UpdateApplication: operation('UpdateApplication', async (input, controlPlane) => {
      if (!input.applicationName) {
        throw new CodeDeployException(
          'ApplicationNameRequiredException',
          'applicationName is required: the application to rename.',
        );
      }
      const application = await requireApplication(controlPlane, input.applicationName);
      if (input.newApplicationName === undefined || input.newApplicationName === application.applicationName)
        return {};
      const newName = checkApplicationName(input.newApplicationName, 'newApplicationName');
      const groups = await allGroupNames(controlPlane, application.applicationName);
      await refuseWhileDeploying(controlPlane, application.applicationName, groups);
      // The new name first (it fails when taken), then what belongs to the application, then the old name.
      await controlPlane.applications.createApplication({ ...application, applicationName: newName });
      for (const group of groups) {
        await moveDeploymentGroupAndClaims(
          controlPlane,
          { applicationName: application.applicationName, deploymentGroupName: group },
          { applicationName: newName, deploymentGroupName: group },
        );
      }
      for (const revision of await controlPlane.revisions.listRevisions(application.applicationName)) {
        await controlPlane.revisions.putRevision({ ...revision, applicationName: newName });
        await controlPlane.revisions.deleteRevision(application.applicationName, revision.revision);
      }
      await controlPlane.applications.deleteApplication(application.applicationName);
      return {};
    }),

    DeleteApplication: operation('DeleteApplication', async (input, controlPlane) => {
      const applicationName = checkApplicationName(input.applicationName);
      // Deleting what does not exist succeeds, as CodeDeploy models no error for it.
      for (const group of await allGroupNames(controlPlane, applicationName)) {
        await deleteDeploymentGroupAndClaims(controlPlane, applicationName, group);
      }
      for (const revision of await controlPlane.revisions.listRevisions(applicationName)) {
        await controlPlane.revisions.deleteRevision(applicationName, revision.revision);
      }
      await controlPlane.applications.deleteApplication(applicationName);
      return {};
    }),
  };
}
