import { flowKeyOf } from '../domain/flows.js';
import type { ComputePlatform, RevisionLocation } from '../ports/records.js';
import type { StepDeps } from './deps.js';

type BundleType = NonNullable<RevisionLocation['s3Location']>['bundleType'];

export interface OnRevisionUploadedInput {
  bucket: string;
  /** The decoded object key: `<applicationName>/<deploymentGroupName>/<file>`. */
  key: string;
  version?: string;
  eTag?: string;
  /** Derived from the object version by the caller, so every delivery of one upload names one deployment. */
  deploymentId: string;
}

export type OnRevisionUploadedOutput =
  { started: true; deploymentId: string } | { started: false; reason: string; deploymentId?: string };

/** File extensions of revisions, longest first (`.tar.gz` before `.gz`-less `.tar`). */
const EXTENSIONS: ReadonlyArray<[string, BundleType]> = [
  ['.tar.gz', 'tgz'],
  ['.tgz', 'tgz'],
  ['.tar', 'tar'],
  ['.zip', 'zip'],
  ['.yaml', 'YAML'],
  ['.yml', 'YAML'],
  ['.json', 'JSON'],
];

/** The bundle type a file name's extension says (case-insensitive), or undefined. */
export function bundleTypeOf(fileName: string): BundleType | undefined {
  const lower = fileName.toLowerCase();
  return EXTENSIONS.find(([extension]) => lower.endsWith(extension) && lower !== extension)?.[1];
}

/** Lambda and ECS revisions are the AppSpec file itself; Server revisions are archives. */
function fitsPlatform(platform: ComputePlatform, bundleType: BundleType): boolean {
  const appSpecFile = bundleType === 'YAML' || bundleType === 'JSON';
  return platform === 'Server' ? !appSpecFile : appSpecFile;
}

/**
 * Target of the EventBridge rule on S3 "Object Created" events in the revision bucket: an upload to
 * `<applicationName>/<deploymentGroupName>/<file>` deploys that object version to that group.
 * An upload that names no group, or no revision, starts nothing and says why (a target that threw
 * would be retried, then dropped); a second delivery of one upload starts nothing again.
 */
export function onRevisionUploaded(deps: Pick<StepDeps, 'deployments' | 'groups' | 'executions'>) {
  return async (input: OnRevisionUploadedInput): Promise<OnRevisionUploadedOutput> => {
    const { bucket, key, deploymentId } = input;
    const uri = `s3://${bucket}/${key}`;
    const [applicationName, deploymentGroupName, ...rest] = key.split('/');
    const fileName = rest.join('/');
    if (!applicationName || !deploymentGroupName || !fileName || fileName.endsWith('/')) {
      return {
        started: false,
        reason: `The object ${uri} is not at <applicationName>/<deploymentGroupName>/<file>; upload a revision under its deployment group's prefix.`,
      };
    }
    const bundleType = bundleTypeOf(fileName);
    if (!bundleType) {
      return {
        started: false,
        reason: `The object ${uri} has no revision extension: use .zip, .tar, .tgz or .tar.gz for a bundle, .yaml, .yml or .json for an AppSpec file.`,
      };
    }
    const group = await deps.groups.getDeploymentGroup(applicationName, deploymentGroupName);
    if (!group) {
      return {
        started: false,
        reason: `The deployment group ${deploymentGroupName} does not exist for application ${applicationName} (from the key of ${uri}).`,
      };
    }
    if (!fitsPlatform(group.computePlatform, bundleType)) {
      return {
        started: false,
        reason: `The object ${uri} (${bundleType}) is not a ${group.computePlatform} revision: ${
          group.computePlatform === 'Server'
            ? 'a Server revision is a .zip, .tar, .tgz or .tar.gz bundle'
            : `a ${group.computePlatform} revision is its AppSpec file, .yaml, .yml or .json`
        }.`,
      };
    }
    const existing = await deps.deployments.getDeployment(deploymentId);
    if (existing) {
      return {
        started: false,
        deploymentId,
        reason: `The upload of ${uri} started the deployment ${deploymentId} already (${existing.status}).`,
      };
    }
    try {
      await deps.executions.startDeployment(flowKeyOf(group), {
        deploymentId,
        applicationName,
        deploymentGroupName,
        revision: {
          revisionType: 'S3',
          s3Location: {
            bucket,
            key,
            bundleType,
            ...(input.version ? { version: input.version } : {}),
            ...(input.eTag ? { eTag: input.eTag } : {}),
          },
        },
        creator: 'user',
        description: `Started by the upload of ${uri}.`,
      });
    } catch (error) {
      // Its execution ran and closed before it recorded anything (a busy group, say): that upload
      // was handled then, and Step Functions refuses the name now.
      if (!isExecutionAlreadyExists(error)) throw error;
      return {
        started: false,
        deploymentId,
        reason: `The upload of ${uri} was handled already: the execution ${deploymentId} exists and has ended.`,
      };
    }
    return { started: true, deploymentId };
  };
}

/** StartExecution's answer for a name in use, as the AWS adapter (its code) and the local engine (its name) report it. */
function isExecutionAlreadyExists(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code: unknown = Reflect.get(error, 'code');
  return error.name === 'ExecutionAlreadyExists' || code === 'ExecutionAlreadyExists';
}
