/**
 * The S3 endpoint behind the signature check works for what revision uploads use: the current
 * @aws-sdk/client-s3 (a Buffer body signed by its hash, a stream sent aws-chunked with an unsigned
 * trailer, multipart, presigned URLs) and Debian's awscli v2 (`aws s3 mb`, `aws s3 cp`, multipart above
 * 8 MB, `aws s3 presign`); each object created is reported as the S3 trigger would see it.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlaneFixture, type ControlPlaneFixture } from './control-plane-fixture.js';

let fixture: ControlPlaneFixture;
let s3: S3Client;

beforeAll(async () => {
  fixture = await startControlPlaneFixture();
  s3 = new S3Client({
    endpoint: fixture.listeners.s3Endpoint,
    region: 'us-east-1',
    credentials: fixture.credentials,
    maxAttempts: 1,
  });
  await s3.send(new CreateBucketCommand({ Bucket: 'revisions' }));
});

afterAll(async () => {
  s3?.destroy();
  await fixture?.dispose();
});

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('@aws-sdk/client-s3 through the signature check', () => {
  it('puts a Buffer and a stream (aws-chunked) and gets them back', async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: 'revisions',
        Key: 'shop/prod/a.zip',
        Body: Buffer.from('from a buffer'),
      }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: 'revisions',
        Key: 'shop/prod/b.zip',
        Body: Readable.from([Buffer.from('from '), Buffer.from('a stream')]),
        ContentLength: 13,
      }),
    );
    const a = await s3.send(new GetObjectCommand({ Bucket: 'revisions', Key: 'shop/prod/a.zip' }));
    const b = await s3.send(new GetObjectCommand({ Bucket: 'revisions', Key: 'shop/prod/b.zip' }));
    expect([await a.Body!.transformToString(), await b.Body!.transformToString()]).toEqual([
      'from a buffer',
      'from a stream',
    ]);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'revisions', Prefix: 'shop/' }));
    expect(listed.Contents?.map((object) => object.Key)).toEqual(['shop/prod/a.zip', 'shop/prod/b.zip']);
    await until(() => fixture.created.length >= 2);
    expect(fixture.created.slice(0, 2)).toEqual([
      expect.objectContaining({
        bucket: 'revisions',
        key: 'shop/prod/a.zip',
        size: 13,
        eventName: 'ObjectCreated:Put',
      }),
      expect.objectContaining({
        bucket: 'revisions',
        key: 'shop/prod/b.zip',
        size: 13,
        eventName: 'ObjectCreated:Put',
      }),
    ]);
  });

  it('uploads in parts, and reports the completed object once', async () => {
    const part = randomBytes(5 * 1024 * 1024);
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'revisions', Key: 'shop/prod/big.zip' }),
    );
    const etags = [];
    for (const [index, body] of [part, Buffer.from('tail')].entries()) {
      const { ETag } = await s3.send(
        new UploadPartCommand({
          Bucket: 'revisions',
          Key: 'shop/prod/big.zip',
          UploadId,
          PartNumber: index + 1,
          Body: body,
        }),
      );
      etags.push({ ETag, PartNumber: index + 1 });
    }
    const before = fixture.created.length;
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'revisions',
        Key: 'shop/prod/big.zip',
        UploadId,
        MultipartUpload: { Parts: etags },
      }),
    );
    const object = await s3.send(new GetObjectCommand({ Bucket: 'revisions', Key: 'shop/prod/big.zip' }));
    expect(
      Buffer.from(await object.Body!.transformToByteArray()).equals(
        Buffer.concat([part, Buffer.from('tail')]),
      ),
    ).toBe(true);
    await until(() => fixture.created.length > before);
    expect(fixture.created.slice(before)).toEqual([
      expect.objectContaining({
        key: 'shop/prod/big.zip',
        size: part.length + 4,
        eventName: 'ObjectCreated:Post',
      }),
    ]);
  });

  it('reports a copy as a created object', async () => {
    const before = fixture.created.length;
    await s3.send(
      new CopyObjectCommand({
        Bucket: 'revisions',
        Key: 'shop/staging/a.zip',
        CopySource: 'revisions/shop/prod/a.zip',
      }),
    );
    await until(() => fixture.created.length > before);
    expect(fixture.created.slice(before)).toEqual([
      expect.objectContaining({ key: 'shop/staging/a.zip', eventName: 'ObjectCreated:Copy' }),
    ]);
  });

  it("serves the SDK presigner's URLs for GET and PUT", async () => {
    const get = await getSignedUrl(
      s3,
      new GetObjectCommand({ Bucket: 'revisions', Key: 'shop/prod/a.zip' }),
      { expiresIn: 60 },
    );
    expect(await (await fetch(get)).text()).toBe('from a buffer');
    const put = await getSignedUrl(
      s3,
      new PutObjectCommand({ Bucket: 'revisions', Key: 'shop/prod/c.zip' }),
      { expiresIn: 60 },
    );
    expect((await fetch(put, { method: 'PUT', body: 'presigned upload' })).status).toBe(200);
    const c = await s3.send(new GetObjectCommand({ Bucket: 'revisions', Key: 'shop/prod/c.zip' }));
    expect(await c.Body!.transformToString()).toBe('presigned upload');
  });
});

/** Debian's awscli v2 (`aws` on PATH may be another one, such as a pyenv awscli v1 shim). */
const AWS_CLI = '/usr/bin/aws';
const cliVersion = spawnSync(AWS_CLI, ['--version'], { encoding: 'utf8' });
const awsCliV2 = cliVersion.status === 0 && /^aws-cli\/2\./.test(cliVersion.stdout);

const describeWithCli = awsCliV2 ? describe : () => undefined;

if (!awsCliV2) {
  describe("Debian's awscli v2", () => {
    it(`is not installed at ${AWS_CLI}: the awscli checks of the S3 endpoint did not run (apt-get install awscli)`, () => {
      console.warn(
        `awscli v2 not found at ${AWS_CLI}: ${cliVersion.stdout || cliVersion.error?.message || 'no output'}`,
      );
      expect(awsCliV2).toBe(false);
    });
  });
}

describeWithCli(`Debian's awscli v2 (${awsCliV2 ? cliVersion.stdout.trim() : 'absent'})`, () => {
  // Asynchronous: the endpoint answers on this process's event loop.
  const aws = async (...args: string[]) =>
    (
      await promisify(execFile)(AWS_CLI, ['--endpoint-url', fixture.listeners.s3Endpoint, ...args], {
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH ?? '',
          HOME: fixture.stateDir,
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          AWS_ACCESS_KEY_ID: fixture.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: fixture.credentials.secretAccessKey,
          AWS_DEFAULT_REGION: 'us-east-1',
        },
      })
    ).stdout;

  it('makes a bucket, copies a small and a multipart (9 MB) file up and back, and presigns', async () => {
    await aws('s3', 'mb', 's3://cli-revisions');
    const small = join(fixture.stateDir, 'small.zip');
    const big = join(fixture.stateDir, 'big.zip');
    writeFileSync(small, 'small revision');
    writeFileSync(big, randomBytes(9 * 1024 * 1024));
    await aws('s3', 'cp', '--no-progress', small, 's3://cli-revisions/shop/prod/small.zip');
    await aws('s3', 'cp', '--no-progress', big, 's3://cli-revisions/shop/prod/big.zip');
    const back = join(fixture.stateDir, 'big-back.zip');
    await aws('s3', 'cp', '--no-progress', 's3://cli-revisions/shop/prod/big.zip', back);
    expect(readFileSync(back).equals(readFileSync(big))).toBe(true);
    expect(await aws('s3', 'ls', 's3://cli-revisions/shop/prod/')).toMatch(
      /9437184 big\.zip[\s\S]*14 small\.zip/,
    );
    const url = (await aws('s3', 'presign', 's3://cli-revisions/shop/prod/small.zip')).trim();
    expect(await (await fetch(url)).text()).toBe('small revision');
    expect(
      fixture.created.filter((object) => object.bucket === 'cli-revisions').map((o) => [o.key, o.eventName]),
    ).toEqual([
      ['shop/prod/small.zip', 'ObjectCreated:Put'],
      ['shop/prod/big.zip', 'ObjectCreated:Post'],
    ]);
  });
});
