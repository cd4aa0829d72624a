/**
 * RegisterApplicationRevision, GetApplicationRevision, ListApplicationRevisions and
 * BatchGetApplicationRevisions, and `recordRevisionUse`, which a deployment calls to mark its
 * revision used (firstUsedTime, lastUsedTime, deploymentGroups), registering it if needed.
 */
import { createHash } from 'node:crypto';
import { CodeDeployException } from '../domain/codedeploy-exception.js';
import type { ComputePlatform, GenericRevisionInfo, RevisionLocation } from '../domain/codedeploy-shapes.js';
import { normalizeRevisionLocation, revisionIdentity } from '../domain/revision-location.js';
import type { ApplicationRevisionRecord, ApplicationRevisionStore } from '../ports/application-revisions.js';
import type { ClockPort } from '../ports/clock.js';
import {
  checkBatchSize,
  DEFAULT_PAGE_SIZE,
  offsetPage,
  requireApplication,
  requireList,
  seconds,
  type ControlPlane,
} from './control-plane.js';
import { operation, type OperationEntry } from './operation-table.js';

export const BATCH_GET_REVISIONS_LIMIT = 25;
export const MAX_DESCRIPTION_LENGTH = 256;

/** Which revision types suit which platform [inferred from RevisionLocation's documentation]. */
const REVISION_TYPES_BY_PLATFORM: Record<ComputePlatform, readonly string[]> = {
  Server: ['S3', 'GitHub'],
  Lambda: ['S3', 'String', 'AppSpecContent'],
  ECS: ['S3', 'AppSpecContent'],
};
const BUNDLE_TYPES_BY_PLATFORM: Record<ComputePlatform, readonly string[]> = {
  Server: ['tar', 'tgz', 'zip'],
  Lambda: ['YAML', 'JSON'],
  ECS: ['YAML', 'JSON'],
};

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * A revision as the application accepts it: normalized, of a type and bundle its platform deploys,
 * and with content hashes that match. InvalidRevisionException names the field otherwise.
 */
export function acceptRevision(
  revision: RevisionLocation,
  platform: ComputePlatform,
  field = 'revision',
): RevisionLocation {
  const normalized = normalizeRevisionLocation(revision, field);
  const type = normalized.revisionType!;
  if (!REVISION_TYPES_BY_PLATFORM[platform].includes(type)) {
    throw new CodeDeployException(
      'InvalidRevisionException',
      `${field}.revisionType ${type} cannot be deployed to the ${platform} compute platform: use ${REVISION_TYPES_BY_PLATFORM[platform].join(' or ')}.`,
    );
  }
  const bundleType = normalized.s3Location?.bundleType;
  if (bundleType && !BUNDLE_TYPES_BY_PLATFORM[platform].includes(bundleType)) {
    throw new CodeDeployException(
      'InvalidRevisionException',
      `${field}.s3Location.bundleType ${bundleType} is not a ${platform} revision: use ${BUNDLE_TYPES_BY_PLATFORM[platform].join(', ')}.`,
    );
  }
  const content = normalized.appSpecContent ?? normalized.string;
  if (content?.content !== undefined) {
    const actual = sha256(content.content);
    if (content.sha256 !== undefined && content.sha256.toLowerCase() !== actual) {
      throw new CodeDeployException(
        'InvalidRevisionException',
        `${field}: the sha256 given (${content.sha256}) is not the SHA-256 of the content (${actual}).`,
      );
    }
    content.sha256 = actual;
  }
  return normalized;
}

function revisionInfo(record: ApplicationRevisionRecord): GenericRevisionInfo {
  return {
    ...(record.description !== undefined ? { description: record.description } : {}),
    deploymentGroups: record.deploymentGroups ?? [],
    ...(record.firstUsedTime ? { firstUsedTime: seconds(record.firstUsedTime) } : {}),
    ...(record.lastUsedTime ? { lastUsedTime: seconds(record.lastUsedTime) } : {}),
    ...(record.registerTime ? { registerTime: seconds(record.registerTime) } : {}),
  };
}

/**
 * Records that `revision` was deployed to `deploymentGroupName` now: CreateDeployment calls it, as
 * CodeDeploy registers a deployment's revision implicitly.
 */
export async function recordRevisionUse(
  deps: { revisions: ApplicationRevisionStore; clock: ClockPort },
  applicationName: string,
  revision: RevisionLocation,
  deploymentGroupName: string,
): Promise<void> {
  await deps.revisions.recordRevisionUse(
    applicationName,
    normalizeRevisionLocation(revision),
    deploymentGroupName,
    deps.clock.now(),
  );
}

async function targetRevisionIdentities(
  controlPlane: ControlPlane,
  applicationName: string,
): Promise<Set<string>> {
  const identities = new Set<string>();
  let nextToken: string | undefined;
  do {
    const page = await controlPlane.deploymentGroups.listDeploymentGroups(applicationName, {
      limit: DEFAULT_PAGE_SIZE,
      ...(nextToken ? { nextToken } : {}),
    });
    for (const name of page.items) {
      const group = await controlPlane.deploymentGroups.getDeploymentGroup(applicationName, name);
      if (group?.targetRevision)
        identities.add(revisionIdentity(normalizeRevisionLocation(group.targetRevision)));
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return identities;
}

export function applicationRevisionOperations(): Record<string, OperationEntry<ControlPlane>> {
  return {
    RegisterApplicationRevision: operation('RegisterApplicationRevision', async (input, controlPlane) => {
      const application = await requireApplication(controlPlane, input.applicationName);
      if (input.description !== undefined && input.description.length > MAX_DESCRIPTION_LENGTH) {
        throw new CodeDeployException(
          'DescriptionTooLongException',
          `description is ${input.description.length} characters long; the maximum is ${MAX_DESCRIPTION_LENGTH}.`,
        );
      }
      const revision = acceptRevision(input.revision, application.computePlatform);
      await controlPlane.revisions.registerRevision(
        application.applicationName,
        revision,
        input.description,
        controlPlane.clock.now(),
      );
      return {};
    }),

    GetApplicationRevision: operation('GetApplicationRevision', async (input, controlPlane) => {
      const application = await requireApplication(controlPlane, input.applicationName);
      const revision = acceptRevision(input.revision, application.computePlatform);
      const record = await controlPlane.revisions.getRevision(application.applicationName, revision);
      if (!record) {
        throw new CodeDeployException(
          'RevisionDoesNotExistException',
          `No revision found for application ${application.applicationName} at that location: register it first.`,
        );
      }
      return {
        applicationName: application.applicationName,
        revision: record.revision,
        revisionInfo: revisionInfo(record),
      };
    }),

    ListApplicationRevisions: operation('ListApplicationRevisions', async (input, controlPlane) => {
      const application = await requireApplication(controlPlane, input.applicationName);
      if (input.s3KeyPrefix !== undefined && input.s3Bucket === undefined) {
        throw new CodeDeployException(
          'BucketNameFilterRequiredException',
          's3KeyPrefix needs s3Bucket: give the bucket too.',
        );
      }
      if (input.s3Bucket !== undefined && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(input.s3Bucket)) {
        throw new CodeDeployException(
          'InvalidBucketNameFilterException',
          `s3Bucket ${JSON.stringify(input.s3Bucket)} is not a valid bucket name.`,
        );
      }
      let revisions = await controlPlane.revisions.listRevisions(application.applicationName);
      if (input.s3Bucket !== undefined) {
        revisions = revisions.filter(
          (record) =>
            record.revision.s3Location?.bucket === input.s3Bucket &&
            (record.revision.s3Location?.key ?? '').startsWith(input.s3KeyPrefix ?? ''),
        );
      }
      const deployed = input.deployed ?? 'ignore';
      if (deployed !== 'ignore') {
        // "Target revisions of a deployment group": the revision of a group's last successful deployment.
        const targets = await targetRevisionIdentities(controlPlane, application.applicationName);
        revisions = revisions.filter(
          (record) => targets.has(revisionIdentity(record.revision)) === (deployed === 'include'),
        );
      }
      const sortBy = input.sortBy ?? 'registerTime';
      const direction = input.sortOrder === 'descending' ? -1 : 1;
      // Never-used revisions have no firstUsedTime/lastUsedTime: they sort first in ascending order.
      const time = (record: ApplicationRevisionRecord) => record[sortBy] ?? '';
      revisions.sort(
        (a, b) =>
          direction *
          (time(a) < time(b)
            ? -1
            : time(a) > time(b)
              ? 1
              : revisionIdentity(a.revision) < revisionIdentity(b.revision)
                ? -1
                : 1),
      );
      const page = offsetPage(revisions, input.nextToken, controlPlane.pageSize ?? DEFAULT_PAGE_SIZE);
      return {
        revisions: page.items.map((record) => record.revision),
        ...(page.nextToken ? { nextToken: page.nextToken } : {}),
      };
    }),

    BatchGetApplicationRevisions: operation('BatchGetApplicationRevisions', async (input, controlPlane) => {
      const application = await requireApplication(controlPlane, input.applicationName);
      const wanted = requireList(input.revisions, 'RevisionRequiredException', 'revisions');
      checkBatchSize(wanted, BATCH_GET_REVISIONS_LIMIT, 'revisions');
      const revisions = [];
      let missing = 0;
      for (const [index, location] of wanted.entries()) {
        const revision = acceptRevision(location, application.computePlatform, `revisions[${index}]`);
        const record = await controlPlane.revisions.getRevision(application.applicationName, revision);
        if (record)
          revisions.push({ revisionLocation: record.revision, genericRevisionInfo: revisionInfo(record) });
        else missing += 1;
      }
      return {
        applicationName: application.applicationName,
        ...(missing
          ? {
              errorMessage: `${missing} of the revisions asked for are not registered with application ${application.applicationName}.`,
            }
          : {}),
        revisions,
      };
    }),
  };
}
