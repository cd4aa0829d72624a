import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand, NoSuchKey, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { Header } from 'tar';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { S3RevisionSource } from '../../../functions/adapters/aws/s3-revision-source.js';
import type { RevisionLocation } from '../../../functions/ports/records.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const s3 = mockClient(S3Client);
// The suite shares modules between files (isolate: false): the clients' send goes back as it was.
afterAll(() => {
  s3.restore();
});
const client = new S3Client({
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
});
const source = new S3RevisionSource(client);

beforeEach(() => s3.reset());

const APPSPEC = 'version: 0.0\nos: linux\n';

/** A one-member tar: appspec.yml. */
function tarWithAppSpec(): Buffer {
  const body = Buffer.from(APPSPEC);
  const head = Buffer.alloc(512);
  new Header({
    path: 'appspec.yml',
    type: 'File',
    mode: 0o644,
    size: body.length,
    mtime: new Date(0),
  }).encode(head, 0);
  const padded = Buffer.alloc(512);
  body.copy(padded);
  return Buffer.concat([head, padded, Buffer.alloc(1024)]);
}

/** A zip holding appspec.yml, made by the system's zip (the test's tools, not the code under test). */
async function zipWithAppSpec(): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'stepdeploy-zip-'));
  try {
    writeFileSync(join(dir, 'appspec.yml'), APPSPEC);
    execFileSync('zip', ['-q', 'bundle.zip', 'appspec.yml'], { cwd: dir });
    return readFileSync(join(dir, 'bundle.zip'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** In Node the SDK's body is a Readable (with mixin methods this adapter does not need). */
function bodyOf(...chunks: Buffer[]): GetObjectCommandOutput['Body'] {
  return Readable.from(chunks) as unknown as GetObjectCommandOutput['Body'];
}

function revision(fields: Partial<NonNullable<RevisionLocation['s3Location']>> = {}): RevisionLocation {
  return {
    revisionType: 'S3',
    s3Location: { bucket: 'releases', key: 'app/v1.tar', bundleType: 'tar', ...fields },
  };
}

function s3Error(name: string, message: string, httpStatusCode: number): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });
}

describe('S3RevisionSource.readRevision', () => {
  it('gets the object and lists the bundle', async () => {
    const data = tarWithAppSpec();
    s3.on(GetObjectCommand).resolves({ Body: bodyOf(data), ContentLength: data.length });
    const bundle = await source.readRevision(revision());
    expect(bundle).toMatchObject({ bundleType: 'tar', appSpecPath: 'appspec.yml', appSpecText: APPSPEC });
    expect(s3).toHaveReceivedCommandExactlyOnceWith(GetObjectCommand, {
      Bucket: 'releases',
      Key: 'app/v1.tar',
    });
    expect(s3.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: 'releases',
      Key: 'app/v1.tar',
    });
  });

  it('asks for the version and the ETag (quoted, as HTTP wants it) when the revision names them', async () => {
    // A fresh body per call: a stream is read once.
    s3.on(GetObjectCommand).callsFake(() => ({ Body: bodyOf(tarWithAppSpec()) }));
    await source.readRevision(revision({ version: 'v-42', eTag: '0123abcd' }));
    await source.readRevision(revision({ eTag: '"already-quoted"' }));
    expect(s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input)).toEqual([
      { Bucket: 'releases', Key: 'app/v1.tar', VersionId: 'v-42', IfMatch: '"0123abcd"' },
      { Bucket: 'releases', Key: 'app/v1.tar', IfMatch: '"already-quoted"' },
    ]);
  });

  it('reads a body that arrives in chunks', async () => {
    const data = tarWithAppSpec();
    s3.on(GetObjectCommand).resolves({ Body: bodyOf(data.subarray(0, 100), data.subarray(100)) });
    expect((await source.readRevision(revision())).appSpecText).toBe(APPSPEC);
  });

  it('refuses a bundle over the limit from its Content-Length, before reading it', async () => {
    const small = new S3RevisionSource(client, { maxBundleBytes: 1000 });
    s3.on(GetObjectCommand).resolves({ Body: bodyOf(Buffer.alloc(10)), ContentLength: 600 * 1024 * 1024 });
    await expect(small.readRevision(revision())).rejects.toMatchObject({
      name: 'InvalidBundleError',
      message:
        'The revision s3://releases/app/v1.tar is 629145600 bytes; stepdeploy reads bundles of at most 1000 bytes (0 MiB).',
    });
  });

  it('refuses a bundle over the limit while streaming when there is no Content-Length', async () => {
    const small = new S3RevisionSource(client, { maxBundleBytes: 1000 });
    s3.on(GetObjectCommand).resolves({ Body: bodyOf(Buffer.alloc(600), Buffer.alloc(600)) });
    await expect(small.readRevision(revision())).rejects.toMatchObject({
      name: 'InvalidBundleError',
      message: expect.stringContaining('is larger than that'),
    });
  });

  it('says 2048 MiB by default', async () => {
    s3.on(GetObjectCommand).resolves({
      Body: bodyOf(Buffer.alloc(1)),
      ContentLength: 2048 * 1024 * 1024 + 1,
    });
    await expect(source.readRevision(revision())).rejects.toThrow('(2048 MiB)');
  });

  it('lists a tar as it streams; an AppSpec behind a link is read again from the same object version and ETag', async () => {
    const link = Buffer.alloc(512);
    new Header({
      path: 'appspec.yml',
      type: 'SymbolicLink',
      linkpath: 'deploy/conf/appspec.yml',
      mode: 0o777,
      size: 0,
      mtime: new Date(0),
    }).encode(link, 0);
    const body = Buffer.from(APPSPEC);
    const file = Buffer.alloc(512);
    new Header({
      path: 'deploy/conf/appspec.yml',
      type: 'File',
      mode: 0o644,
      size: body.length,
      mtime: new Date(0),
    }).encode(file, 0);
    const padded = Buffer.alloc(512);
    body.copy(padded);
    const data = Buffer.concat([link, file, padded, Buffer.alloc(1024)]);
    s3.on(GetObjectCommand).callsFake(() => ({
      Body: bodyOf(data.subarray(0, 700), data.subarray(700)),
      ContentLength: data.length,
      VersionId: 'v-7',
      ETag: '"e7"',
    }));
    const bundle = await source.readRevision(revision());
    expect(bundle).toMatchObject({ appSpecPath: 'appspec.yml', appSpecText: APPSPEC });
    expect(s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input)).toEqual([
      { Bucket: 'releases', Key: 'app/v1.tar' },
      { Bucket: 'releases', Key: 'app/v1.tar', VersionId: 'v-7', IfMatch: '"e7"' },
    ]);
  });

  it('spools a zip (read from its end) to a private temporary file, removed once listed', async () => {
    const spoolDirectory = mkdtempSync(join(tmpdir(), 'stepdeploy-spool-test-'));
    try {
      const zip = await zipWithAppSpec();
      s3.on(GetObjectCommand).resolves({ Body: bodyOf(zip), ContentLength: zip.length });
      const spooling = new S3RevisionSource(client, { spoolDirectory });
      const bundle = await spooling.readRevision(revision({ key: 'app/v1.zip', bundleType: 'zip' }));
      expect(bundle).toMatchObject({ bundleType: 'zip', appSpecPath: 'appspec.yml', appSpecText: APPSPEC });
      expect(readdirSync(spoolDirectory)).toEqual([]);
    } finally {
      rmSync(spoolDirectory, { recursive: true, force: true });
    }
  });

  it('turns a corrupt object into InvalidBundleError', async () => {
    s3.on(GetObjectCommand).resolves({ Body: bodyOf(Buffer.from('not a tar at all')) });
    await expect(source.readRevision(revision())).rejects.toMatchObject({ name: 'InvalidBundleError' });
  });

  const missing: Array<[string, Error, Partial<NonNullable<RevisionLocation['s3Location']>>, string]> = [
    [
      'NoSuchKey',
      new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }),
      {},
      'The revision s3://releases/app/v1.tar does not exist.',
    ],
    [
      'NoSuchBucket',
      s3Error('NoSuchBucket', 'The specified bucket does not exist', 404),
      {},
      'The revision s3://releases/app/v1.tar does not exist: there is no bucket releases.',
    ],
    [
      'NoSuchVersion',
      s3Error('NoSuchVersion', 'The specified version does not exist.', 404),
      { version: 'v-9' },
      'The revision s3://releases/app/v1.tar (version v-9) does not exist.',
    ],
  ];
  it.each(missing)(
    'turns %s into ResourceNotFoundError with a CodeDeploy-style message',
    async (_code, error, fields, message) => {
      s3.on(GetObjectCommand).rejects(error);
      await expect(source.readRevision(revision(fields))).rejects.toMatchObject({
        name: 'ResourceNotFoundError',
        resource: 's3://releases/app/v1.tar',
        message,
      });
    },
  );

  it('turns an ETag mismatch (PreconditionFailed) into InvalidRevisionError', async () => {
    s3.on(GetObjectCommand).rejects(
      s3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412),
    );
    await expect(source.readRevision(revision({ eTag: 'abc' }))).rejects.toMatchObject({
      name: 'InvalidRevisionError',
      message:
        'The revision s3://releases/app/v1.tar no longer has the ETag abc the deployment names: it was overwritten.',
    });
  });

  it('keeps AccessDenied an AwsServiceError and explains that it may mean a missing key', async () => {
    s3.on(GetObjectCommand).rejects(s3Error('AccessDenied', 'Access Denied', 403));
    await expect(source.readRevision(revision())).rejects.toMatchObject({
      name: 'AwsServiceError',
      code: 'AccessDenied',
      httpStatusCode: 403,
      message: expect.stringContaining('may not s3:ListBucket releases'),
    });
  });

  it('turns throttling into ThrottlingError', async () => {
    s3.on(GetObjectCommand).rejects(s3Error('Throttling', 'Rate exceeded', 503));
    await expect(source.readRevision(revision())).rejects.toMatchObject({
      name: 'ThrottlingError',
      code: 'Throttling',
    });
  });

  it('refuses a revision that is not an S3 bundle', async () => {
    await expect(
      source.readRevision({ revisionType: 'AppSpecContent', appSpecContent: { content: 'x' } }),
    ).rejects.toMatchObject({
      name: 'InvalidRevisionError',
      message: 'An S3 revision source reads S3 revisions, not AppSpecContent.',
    });
    await expect(source.readRevision(revision({ bundleType: 'YAML' }))).rejects.toMatchObject({
      name: 'InvalidRevisionError',
      message: expect.stringContaining('has bundle type YAML, an AppSpec file'),
    });
    expect(s3).not.toHaveReceivedAnyCommand();
  });
});

describe('S3RevisionSource.bundleLocation', () => {
  it('presigns a GET of the bucket and key, valid for an hour by default', async () => {
    const { location, bundleType } = await source.bundleLocation(
      revision({ bundleType: 'tgz', key: 'app/v1.tgz' }),
    );
    expect(bundleType).toBe('tgz');
    const url = new URL(location);
    expect(url.protocol).toBe('https:');
    expect(url.hostname).toBe('releases.s3.us-east-1.amazonaws.com');
    expect(url.pathname).toBe('/app/v1.tgz');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('3600');
    expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^AKIDEXAMPLE\//);
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    // Presigning signs locally: nothing is sent to S3.
    expect(s3).not.toHaveReceivedAnyCommand();
  });

  it('names the version, uses the configured lifetime, and signs no If-Match header', async () => {
    const short = new S3RevisionSource(client, { presignSeconds: 900 });
    const { location } = await short.bundleLocation(revision({ version: 'v-42', eTag: 'abc' }));
    const url = new URL(location);
    expect(url.searchParams.get('versionId')).toBe('v-42');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host');
  });

  it('refuses a lifetime SigV4 cannot sign', () => {
    expect(() => new S3RevisionSource(client, { presignSeconds: 8 * 24 * 3600 })).toThrow(/presignSeconds/);
    expect(() => new S3RevisionSource(client, { presignSeconds: 0 })).toThrow(/presignSeconds/);
  });

  it('refuses a revision that is not an S3 bundle', async () => {
    await expect(
      source.bundleLocation({
        revisionType: 'GitHub',
        gitHubLocation: { repository: 'acme/web', commitId: 'abc123' },
      }),
    ).rejects.toMatchObject({ name: 'InvalidRevisionError' });
  });
});

describe('S3RevisionSource.readRevision pinning', () => {
  beforeEach(() => s3.reset());

  it('reports the version and ETag it read, so the deployment can pin instances to that object', async () => {
    const data = tarWithAppSpec();
    s3.on(GetObjectCommand).resolves({
      Body: bodyOf(data),
      ContentLength: data.length,
      VersionId: 'v42',
      ETag: '"e7a1"',
    });
    expect((await source.readRevision(revision())).s3Object).toEqual({ version: 'v42', eTag: 'e7a1' });
  });

  it('reports no version for an unversioned bucket (S3 answers "null")', async () => {
    const data = tarWithAppSpec();
    s3.on(GetObjectCommand).resolves({
      Body: bodyOf(data),
      ContentLength: data.length,
      VersionId: 'null',
      ETag: '"e7a1"',
    });
    expect((await source.readRevision(revision())).s3Object).toEqual({ eTag: 'e7a1' });
  });
});

describe('S3RevisionSource.readAppSpecFile', () => {
  beforeEach(() => s3.reset());

  it('reads a Lambda or ECS AppSpec stored as the revision itself, with its version and ETag', async () => {
    const text = 'version: 0.0\nResources: []\n';
    s3.on(GetObjectCommand).resolves({ Body: bodyOf(Buffer.from(text)), ContentLength: text.length });
    const appSpec = await source.readAppSpecFile(
      revision({ key: 'fn/appspec.yaml', bundleType: 'YAML', version: 'v7', eTag: 'abc' }),
    );
    expect(appSpec).toBe(text);
    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, {
      Bucket: 'releases',
      Key: 'fn/appspec.yaml',
      VersionId: 'v7',
      IfMatch: '"abc"',
    });
  });

  it('refuses a bundle (tar, zip) where an AppSpec file is expected, reading nothing', async () => {
    await expect(source.readAppSpecFile(revision())).rejects.toMatchObject({ name: 'InvalidRevisionError' });
    expect(s3).not.toHaveReceivedCommand(GetObjectCommand);
  });

  it('refuses an object too large to be an AppSpec file', async () => {
    s3.on(GetObjectCommand).resolves({ Body: bodyOf(Buffer.from('x')), ContentLength: 5 * 1024 * 1024 });
    await expect(source.readAppSpecFile(revision({ bundleType: 'JSON' }))).rejects.toThrow(
      /more than an AppSpec file may be/,
    );
  });
});
