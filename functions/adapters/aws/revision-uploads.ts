/**
 * Puts revision bundles into S3 through @aws-sdk/client-s3: `stepdeploy deploy DIR` packs the
 * directory and uploads it here (the local server's S3 endpoint, or the stack's revision bucket in
 * AWS), then deploys it as an S3 revision, which is what CodeDeploy clients know.
 */
import { createReadStream, statSync } from 'node:fs';
import {
  CreateBucketCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';

export interface RevisionUploadsOptions {
  /** The local server's S3 endpoint; none in AWS (S3 itself). */
  endpoint?: string;
  region: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export class RevisionUploads {
  private readonly client: S3Client;

  constructor(options: RevisionUploadsOptions) {
    this.client = new S3Client({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
  }

  /** Creates the bucket unless it exists (the local endpoint's; in AWS the stack's bucket exists). */
  async ensureBucket(bucket: string): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404)
        throw error;
      try {
        await this.client.send(new CreateBucketCommand({ Bucket: bucket }));
      } catch (creating) {
        // Another command (a second `deploy` on the same server) created it meanwhile: it is there.
        const name = (creating as Error).name;
        if (name !== 'BucketAlreadyExists' && name !== 'BucketAlreadyOwnedByYou') throw creating;
        await this.client.send(new HeadBucketCommand({ Bucket: bucket }));
      }
    }
  }

  /** The object's ETag, if it exists. */
  async eTagOf(bucket: string, key: string): Promise<string | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return head.ETag?.replace(/^"|"$/g, '');
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404)
        return undefined;
      throw error;
    }
  }

  /** Uploads a file (streamed) and returns its ETag. */
  async upload(bucket: string, key: string, path: string): Promise<string | undefined> {
    const answer = await this.client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: createReadStream(path),
        ContentLength: statSync(path).size,
      }),
    );
    return answer.ETag?.replace(/^"|"$/g, '');
  }

  destroy(): void {
    this.client.destroy();
  }
}
