/**
 * CodeDeploy's RevisionLocation as the control plane accepts it: checked (InvalidRevisionException
 * naming the field) and reduced to the members of its type, and the identity that tells two
 * revisions apart (RegisterApplicationRevision twice with the same location is one revision).
 */
import { CodeDeployException } from './codedeploy-exception.js';
import type { RevisionLocation } from './codedeploy-shapes.js';

export const REVISION_TYPES = ['S3', 'GitHub', 'String', 'AppSpecContent'] as const;
export const BUNDLE_TYPES = ['tar', 'tgz', 'zip', 'YAML', 'JSON'] as const;

function invalid(message: string): CodeDeployException {
  return new CodeDeployException('InvalidRevisionException', message);
}

const given = (value: string | undefined): value is string => value !== undefined && value !== '';

/**
 * The revision with only its type's members. `field` names it in messages (`revision`,
 * `revisions[2]`). AppSpecContent's `sha256` is checked by the caller (hashing is not pure).
 */
export function normalizeRevisionLocation(revision: RevisionLocation, field = 'revision'): RevisionLocation {
  const type = revision.revisionType;
  if (type === undefined) {
    throw invalid(`${field}.revisionType is required: one of ${REVISION_TYPES.join(', ')}.`);
  }
  switch (type) {
    case 'S3': {
      const s3 = revision.s3Location;
      if (!s3) throw invalid(`${field}.s3Location is required for revisionType S3.`);
      if (!given(s3.bucket)) throw invalid(`${field}.s3Location.bucket is required.`);
      if (!given(s3.key)) throw invalid(`${field}.s3Location.key is required.`);
      if (!s3.bundleType) {
        throw invalid(`${field}.s3Location.bundleType is required: one of ${BUNDLE_TYPES.join(', ')}.`);
      }
      return {
        revisionType: 'S3',
        s3Location: {
          bucket: s3.bucket,
          key: s3.key,
          bundleType: s3.bundleType,
          ...(given(s3.version) ? { version: s3.version } : {}),
          ...(given(s3.eTag) ? { eTag: s3.eTag } : {}),
        },
      };
    }
    case 'GitHub': {
      const gitHub = revision.gitHubLocation;
      if (!gitHub) throw invalid(`${field}.gitHubLocation is required for revisionType GitHub.`);
      if (!given(gitHub.repository) || !/^[^/\s]+\/[^/\s]+$/.test(gitHub.repository)) {
        throw invalid(`${field}.gitHubLocation.repository must be account/repository.`);
      }
      if (!given(gitHub.commitId)) throw invalid(`${field}.gitHubLocation.commitId is required.`);
      return {
        revisionType: 'GitHub',
        gitHubLocation: { repository: gitHub.repository, commitId: gitHub.commitId },
      };
    }
    case 'String': {
      const content = revision.string?.content;
      if (!given(content)) throw invalid(`${field}.string.content is required for revisionType String.`);
      return {
        revisionType: 'String',
        string: { content, ...(given(revision.string?.sha256) ? { sha256: revision.string.sha256 } : {}) },
      };
    }
    case 'AppSpecContent': {
      const content = revision.appSpecContent?.content;
      if (!given(content)) {
        throw invalid(`${field}.appSpecContent.content is required for revisionType AppSpecContent.`);
      }
      return {
        revisionType: 'AppSpecContent',
        appSpecContent: {
          content,
          ...(given(revision.appSpecContent?.sha256) ? { sha256: revision.appSpecContent.sha256 } : {}),
        },
      };
    }
    default:
      throw invalid(
        `${field}.revisionType must be one of ${REVISION_TYPES.join(', ')}, not ${JSON.stringify(type)}.`,
      );
  }
}

/**
 * What identifies a revision of an application: the S3 object (bucket, key, bundle type, version,
 * ETag), the GitHub commit, or the content of a String/AppSpecContent revision. Two locations with
 * the same identity are the same revision.
 */
export function revisionIdentity(revision: RevisionLocation): string {
  switch (revision.revisionType) {
    case 'S3': {
      const s3 = revision.s3Location ?? {};
      return JSON.stringify(['S3', s3.bucket, s3.key, s3.bundleType, s3.version ?? '', s3.eTag ?? '']);
    }
    case 'GitHub':
      return JSON.stringify([
        'GitHub',
        revision.gitHubLocation?.repository,
        revision.gitHubLocation?.commitId,
      ]);
    case 'String':
      return JSON.stringify(['String', revision.string?.content]);
    case 'AppSpecContent':
      return JSON.stringify(['AppSpecContent', revision.appSpecContent?.content]);
    default:
      return JSON.stringify([revision.revisionType]);
  }
}
