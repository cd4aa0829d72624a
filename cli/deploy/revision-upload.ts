/**
 * A revision on this machine, made an S3 revision: a directory is packed into a .tgz (its links kept
 * as links, its modes as they are), an archive is taken as it is, and the bundle is uploaded under a
 * key named by its content (an unchanged revision is not uploaded twice). Deployments then name an S3
 * location, as CodeDeploy's do, and hosts download it through a presigned URL, as instances do.
 */
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RevisionUploads } from '../../functions/adapters/aws/revision-uploads.js';
import type { RevisionLocation } from '../../functions/ports/records.js';

export { CLI_REVISION_BUCKET } from '../../local/server/cli-bucket.js';
/** In AWS the revision bucket's trigger rules match `<application>/<group>/`; this prefix matches none. */
export const CLI_KEY_PREFIX = 'stepdeploy-cli';

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Packs a directory into a gzipped tar; symbolic links stay links, as the agent's bundles keep them. */
async function packDirectory(directory: string, into: string): Promise<string> {
  const { c } = await import('tar');
  const file = join(into, 'revision.tgz');
  await c({ gzip: true, cwd: directory, file, portable: true, follow: false }, readdirSync(directory));
  return file;
}

export async function uploadRevision(
  uploads: RevisionUploads,
  input: {
    path: string;
    bundleType: 'directory' | 'tar' | 'tgz' | 'zip';
    applicationName: string;
    deploymentGroupName: string;
    bucket: string;
    /** The local endpoint's bucket is created on first use; the stack's exists. */
    createBucket: boolean;
  },
): Promise<RevisionLocation> {
  const work = mkdtempSync(join(tmpdir(), 'stepdeploy-revision-'));
  // Also when Ctrl-C exits the process before the upload ends (no finally runs then).
  const removeWork = () => rmSync(work, { recursive: true, force: true });
  process.once('exit', removeWork);
  try {
    const file = input.bundleType === 'directory' ? await packDirectory(input.path, work) : input.path;
    const bundleType = input.bundleType === 'directory' ? 'tgz' : input.bundleType;
    const digest = await sha256Of(file);
    const key = `${CLI_KEY_PREFIX}/${input.applicationName}/${input.deploymentGroupName}/${digest.slice(0, 32)}.${bundleType}`;
    if (input.createBucket) await uploads.ensureBucket(input.bucket);
    const eTag = (await uploads.eTagOf(input.bucket, key)) ?? (await uploads.upload(input.bucket, key, file));
    return {
      revisionType: 'S3',
      s3Location: { bucket: input.bucket, key, bundleType, ...(eTag ? { eTag } : {}) },
    };
  } finally {
    process.off('exit', removeWork);
    removeWork();
  }
}
