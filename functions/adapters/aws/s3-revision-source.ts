import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, S3Client, type GetObjectCommandInput } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { DEFAULT_BUNDLE_LIMITS, type BundleLimits } from '../../domain/bundle-checks.js';
import { InvalidRevisionError } from '../../domain/deployment-errors.js';
import { InvalidArgumentError } from '../../domain/errors.js';
import type { RevisionBundle, RevisionSourcePort } from '../../ports/revision-source.js';
import type { RevisionLocation } from '../../ports/records.js';
import { InvalidBundleError, MAX_BUNDLE_BYTES, readBundle, type ArchiveType } from '../bundle/read-bundle.js';
import { AwsServiceError, callAws, ResourceNotFoundError } from './errors.js';

/** What S3RevisionSource calls: GetObjectVersion too, as it reads (and presigns, with this role) a VersionId. */
export const S3_REVISION_SOURCE_IAM_ACTIONS = ['s3:GetObject', 's3:GetObjectVersion'] as const;

export interface S3RevisionSourceOptions {
  /** How long a presigned bundle URL stays valid. Default 3600 s; SigV4 allows at most 7 days. */
  presignSeconds?: number;
  /**
   * The largest archive listed (default 2 GiB). Never held in memory: a tar or tgz is listed as it
   * streams from S3, a zip (read from its end) streams to a temporary file first.
   */
  maxBundleBytes?: number;
  /** Where a zip is spooled while it is listed (default: the system's temporary directory, /tmp in Lambda). */
  spoolDirectory?: string;
  /** The bundle limits checked while a bundle is listed (default DEFAULT_BUNDLE_LIMITS). */
  limits?: Partial<BundleLimits>;
}

/** SigV4 presigned URLs live at most 7 days. */
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

type S3Location = NonNullable<RevisionLocation['s3Location']> & { bundleType: ArchiveType };

/** Reads S3 revision bundles (tar, tgz, zip) and hands instances a presigned URL to download them. */
/** An AppSpec file is small; anything larger is not one. */
const MAX_APPSPEC_FILE_BYTES = 1024 * 1024;

export class S3RevisionSource implements RevisionSourcePort {
  private readonly presignSeconds: number;
  private readonly maxBundleBytes: number;
  private readonly spoolDirectory: string;
  private readonly limits: BundleLimits;

  constructor(
    private readonly client: S3Client,
    options: S3RevisionSourceOptions = {},
  ) {
    this.presignSeconds = options.presignSeconds ?? 3600;
    this.maxBundleBytes = options.maxBundleBytes ?? MAX_BUNDLE_BYTES;
    this.spoolDirectory = options.spoolDirectory ?? tmpdir();
    this.limits = { ...DEFAULT_BUNDLE_LIMITS, ...options.limits };
    if (
      !Number.isInteger(this.presignSeconds) ||
      this.presignSeconds < 1 ||
      this.presignSeconds > MAX_PRESIGN_SECONDS
    ) {
      throw new InvalidArgumentError(
        `presignSeconds must be a whole number from 1 to ${MAX_PRESIGN_SECONDS}, not ${this.presignSeconds}.`,
      );
    }
  }

  async readRevision(revision: RevisionLocation): Promise<RevisionBundle> {
    const s3 = s3LocationOf(revision);
    const uri = uriOf(s3);
    const input: GetObjectCommandInput = {
      Bucket: s3.bucket,
      Key: s3.key,
      ...(s3.version ? { VersionId: s3.version } : {}),
      // The agent checks the ETag after its download (reference §2.5); asking S3 for it up front
      // means a bundle overwritten since the deployment was created is never read at all.
      ...(s3.eTag ? { IfMatch: quotedETag(s3.eTag) } : {}),
    };
    const response = await this.get(s3, () => this.client.send(new GetObjectCommand(input)));
    const size = response.ContentLength;
    if (size !== undefined && size > this.maxBundleBytes) {
      discard(response.Body);
      throw this.tooLarge(uri, `is ${size} bytes`);
    }
    const version = response.VersionId && response.VersionId !== 'null' ? response.VersionId : undefined;
    const eTag = response.ETag?.replace(/^"|"$/g, '');
    const body = this.limited(response.Body, uri);
    const bundle =
      s3.bundleType === 'zip'
        ? await this.listSpooled(body)
        : await readBundle(
            {
              kind: 'stream',
              bundleType: s3.bundleType,
              ...(size !== undefined ? { size } : {}),
              // The first pass reads the body already open; a second one (an AppSpec behind a link)
              // reads the very object again, pinned to the version and ETag of the first.
              open: onceThen(body, async () => {
                const again = await this.get(s3, () =>
                  this.client.send(
                    new GetObjectCommand({
                      ...input,
                      ...(version ? { VersionId: version } : {}),
                      ...(eTag ? { IfMatch: quotedETag(eTag) } : {}),
                    }),
                  ),
                );
                return this.limited(again.Body, uri);
              }),
            },
            this.limits,
          );
    return { ...bundle, s3Object: { ...(version ? { version } : {}), ...(eTag ? { eTag } : {}) } };
  }

  /** A zip is read from its end: it streams to a private temporary file, listed there, then removed. */
  private async listSpooled(body: Readable): Promise<RevisionBundle> {
    await mkdir(this.spoolDirectory, { recursive: true, mode: 0o700 });
    const dir = await mkdtemp(join(this.spoolDirectory, 'stepdeploy-bundle-'));
    try {
      const path = join(dir, 'bundle.zip');
      await pipeline(body, createWriteStream(path, { mode: 0o600 }));
      return await readBundle({ kind: 'file', path, bundleType: 'zip' }, this.limits);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** The body as a stream that fails once more than the limit has passed (S3 may send no length). */
  private limited(body: unknown, uri: string): Readable {
    if (!isAsyncIterable(body)) throw new InvalidBundleError(`The revision ${uri} came back without a body.`);
    const limit = this.maxBundleBytes;
    const tooLarge = () => this.tooLarge(uri, 'is larger than that');
    async function* counted(): AsyncGenerator<Buffer> {
      let total = 0;
      for await (const chunk of body as AsyncIterable<unknown>) {
        const bytes = Buffer.from(chunk as Uint8Array);
        total += bytes.length;
        if (total > limit) throw tooLarge();
        yield bytes;
      }
    }
    return Readable.from(counted(), { objectMode: false });
  }

  async readAppSpecFile(revision: RevisionLocation): Promise<string> {
    const s3 = revision.s3Location;
    if (revision.revisionType !== 'S3' || !s3 || (s3.bundleType !== 'YAML' && s3.bundleType !== 'JSON')) {
      throw new InvalidRevisionError(
        'A Lambda or ECS revision in S3 is the AppSpec file itself, with bundleType YAML or JSON.',
      );
    }
    const uri = uriOf(s3);
    const response = await this.get({ ...s3, bundleType: 'zip' }, () =>
      this.client.send(
        new GetObjectCommand({
          Bucket: s3.bucket,
          Key: s3.key,
          ...(s3.version ? { VersionId: s3.version } : {}),
          ...(s3.eTag ? { IfMatch: quotedETag(s3.eTag) } : {}),
        }),
      ),
    );
    if (response.ContentLength !== undefined && response.ContentLength > MAX_APPSPEC_FILE_BYTES) {
      discard(response.Body);
      throw this.tooLarge(uri, `is ${response.ContentLength} bytes, more than an AppSpec file may be`);
    }
    return (await this.readBody(response.Body, uri)).toString('utf8');
  }

  async bundleLocation(revision: RevisionLocation): Promise<{ location: string; bundleType: ArchiveType }> {
    const s3 = s3LocationOf(revision);
    // No IfMatch here: it would become a signed header that every download would have to send; the
    // instance script checks the ETag itself.
    const command = new GetObjectCommand({
      Bucket: s3.bucket,
      Key: s3.key,
      ...(s3.version ? { VersionId: s3.version } : {}),
    });
    // The URL also stops working when the credentials that signed it expire (a Lambda role's
    // session), whichever comes first; DownloadBundle asks for a fresh one each time.
    const location = await callAws(
      { service: 's3', operation: 'GetObject (presign)', resource: uriOf(s3) },
      () => getSignedUrl(this.client, command, { expiresIn: this.presignSeconds }),
    );
    return { location, bundleType: s3.bundleType };
  }

  /** GetObject, with S3's answers about missing things said the way CodeDeploy says them. */
  private async get<T>(s3: S3Location, send: () => Promise<T>): Promise<T> {
    const uri = uriOf(s3);
    try {
      return await callAws({ service: 's3', operation: 'GetObject', resource: uri }, send);
    } catch (error) {
      if (!(error instanceof AwsServiceError)) throw error;
      const cause = { cause: error.cause ?? error };
      switch (error.code) {
        case 'NoSuchKey':
          throw new ResourceNotFoundError(`The revision ${uri} does not exist.`, uri, cause);
        case 'NoSuchVersion':
          throw new ResourceNotFoundError(
            `The revision ${uri} (version ${s3.version ?? ''}) does not exist.`,
            uri,
            cause,
          );
        case 'NoSuchBucket':
          throw new ResourceNotFoundError(
            `The revision ${uri} does not exist: there is no bucket ${s3.bucket}.`,
            uri,
            cause,
          );
        case 'PreconditionFailed':
          throw new InvalidRevisionError(
            `The revision ${uri} no longer has the ETag ${s3.eTag ?? ''} the deployment names: it was overwritten.`,
            cause,
          );
        case 'AccessDenied':
          throw new AwsServiceError(
            `${error.message} (S3 also answers AccessDenied for a key that does not exist when the caller may not s3:ListBucket ${s3.bucket}.)`,
            error.code,
            error.context,
            error.httpStatusCode,
            cause,
          );
        default:
          throw error;
      }
    }
  }

  private async readBody(body: unknown, uri: string): Promise<Buffer> {
    if (isAsyncIterable(body)) {
      const chunks: Buffer[] = [];
      let total = 0;
      // Counted while streaming: S3 may not send Content-Length, and the limit must hold anyway.
      for await (const chunk of body) {
        const bytes = Buffer.from(chunk as Uint8Array);
        total += bytes.length;
        if (total > this.maxBundleBytes) throw this.tooLarge(uri, 'is larger than that');
        chunks.push(bytes);
      }
      return Buffer.concat(chunks);
    }
    if (hasByteArray(body)) {
      const bytes = await body.transformToByteArray();
      if (bytes.length > this.maxBundleBytes) throw this.tooLarge(uri, `is ${bytes.length} bytes`);
      return Buffer.from(bytes);
    }
    throw new InvalidBundleError(`The revision ${uri} came back without a body.`);
  }

  private tooLarge(uri: string, what: string): InvalidBundleError {
    return new InvalidBundleError(
      `The revision ${uri} ${what}; stepdeploy reads bundles of at most ${this.maxBundleBytes} bytes (${Math.floor(this.maxBundleBytes / 1048576)} MiB).`,
    );
  }
}

function s3LocationOf(revision: RevisionLocation): S3Location {
  const s3 = revision.s3Location;
  if (revision.revisionType !== 'S3' || s3 === undefined) {
    throw new InvalidRevisionError(`An S3 revision source reads S3 revisions, not ${revision.revisionType}.`);
  }
  if (s3.bundleType !== 'tar' && s3.bundleType !== 'tgz' && s3.bundleType !== 'zip') {
    throw new InvalidRevisionError(
      `The revision ${uriOf(s3)} has bundle type ${s3.bundleType}, an AppSpec file: a Server deployment needs a tar, tgz or zip bundle.`,
    );
  }
  return { ...s3, bundleType: s3.bundleType };
}

function uriOf(s3: { bucket: string; key: string }): string {
  return `s3://${s3.bucket}/${s3.key}`;
}

/** ETags are quoted strings in HTTP; CodeDeploy's eTag field is usually given without the quotes. */
function quotedETag(eTag: string): string {
  return `"${eTag.replace(/^"|"$/g, '')}"`;
}

/** `first` on the first call, then what `next` opens. */
function onceThen(first: Readable, next: () => Promise<Readable>): () => Promise<Readable> {
  let used = false;
  return async () => {
    if (used) return next();
    used = true;
    return first;
  };
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

function hasByteArray(value: unknown): value is { transformToByteArray(): Promise<Uint8Array> } {
  return (
    typeof value === 'object' &&
    value !== null &&
    'transformToByteArray' in value &&
    typeof value.transformToByteArray === 'function'
  );
}

/** Lets go of an unread body, so that its connection does not stay open. */
function discard(body: unknown): void {
  if (typeof body === 'object' && body !== null && 'destroy' in body && typeof body.destroy === 'function') {
    (body as { destroy(): void }).destroy();
  }
}

/**
 * The revision source of the local server: its S3 endpoint (path-style, signed with the server's
 * key), so the engine reads revisions as it does in AWS and hosts download them through presigned
 * URLs, as instances do.
 */
export function s3RevisionSourceAt(
  endpoint: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
  region: string,
  options: S3RevisionSourceOptions = {},
): S3RevisionSource {
  return new S3RevisionSource(new S3Client({ endpoint, region, credentials, forcePathStyle: true }), options);
}
