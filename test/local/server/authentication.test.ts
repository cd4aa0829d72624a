/**
 * Every listener of the local control plane refuses a caller without the state directory's key:
 * the API (CodeDeploy's JSON errors) and S3 (S3's XML errors) refuse unsigned, wrongly signed,
 * unknown-key, skewed and replayed-with-another-body requests, and the records database listens on no
 * TCP port, only on a socket another user cannot open. PutLifecycleEventHookExecutionStatus alone is
 * served without a valid signature: its hook execution id is the capability.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { CodeDeployClient, ListApplicationsCommand } from '@aws-sdk/client-codedeploy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_REQUEST_BODY_BYTES } from '../../../functions/api/codedeploy-api.js';
import { startControlPlaneFixture, type ControlPlaneFixture } from './control-plane-fixture.js';
import { apiHeaders, send, signer, signRequest, type Credentials } from './signing.js';

let fixture: ControlPlaneFixture;
let api: string;
let s3: string;
let key: Credentials;
const stranger: Credentials = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

beforeAll(async () => {
  fixture = await startControlPlaneFixture();
  api = fixture.listeners.endpoint;
  s3 = fixture.listeners.s3Endpoint;
  key = fixture.credentials;
  // A bucket and an object to read.
  const bucket = await signRequest(s3, {
    method: 'PUT',
    path: '/revisions',
    credentials: key,
    service: 's3',
    body: '',
  });
  expect((await send(s3, { method: 'PUT', path: bucket.path, headers: bucket.headers })).statusCode).toBe(
    200,
  );
  const put = await signRequest(s3, {
    method: 'PUT',
    path: '/revisions/app/v1.txt',
    credentials: key,
    service: 's3',
    body: 'version 1',
  });
  expect(
    (await send(s3, { method: 'PUT', path: put.path, headers: put.headers, body: 'version 1' })).statusCode,
  ).toBe(200);
});

afterAll(async () => {
  await fixture?.dispose();
});

const json = (text: string) => JSON.parse(text) as { __type: string; message: string };
const xmlCode = (text: string) => /<Code>([^<]+)<\/Code>/.exec(text)?.[1];

async function apiCall(operation: string, body: unknown, credentials: Credentials, signingDate?: Date) {
  const text = JSON.stringify(body);
  const signed = await signRequest(api, {
    headers: apiHeaders(operation),
    body: text,
    credentials,
    service: 'codedeploy',
    ...(signingDate ? { signingDate } : {}),
  });
  return send(api, { headers: signed.headers, body: text });
}

describe('the CodeDeploy API', () => {
  it('answers a request signed with the key', async () => {
    const response = await apiCall('ListApplications', {}, key);
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.text)).toEqual({ applications: [] });
  });

  it('refuses an unsigned request: MissingAuthenticationTokenException', async () => {
    const response = await send(api, { headers: apiHeaders('ListApplications'), body: '{}' });
    expect(response.statusCode).toBe(400);
    expect(json(response.text).__type).toBe('MissingAuthenticationTokenException');
  });

  it('refuses a malformed Authorization header: IncompleteSignatureException', async () => {
    const response = await send(api, {
      headers: { ...apiHeaders('ListApplications'), authorization: 'AWS4-HMAC-SHA256 Credential=x' },
      body: '{}',
    });
    expect(json(response.text)).toMatchObject({ __type: 'IncompleteSignatureException' });
    expect(json(response.text).message).toContain("requires 'Signature' parameter");
  });

  it('refuses another key: UnrecognizedClientException, and the SDK reports it by that name', async () => {
    const response = await apiCall('ListApplications', {}, stranger);
    expect(json(response.text)).toEqual({
      __type: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    });
    const client = new CodeDeployClient({
      endpoint: api,
      region: 'us-east-1',
      credentials: stranger,
      maxAttempts: 1,
    });
    await expect(client.send(new ListApplicationsCommand({}))).rejects.toMatchObject({
      name: 'UnrecognizedClientException',
    });
    client.destroy();
  });

  it('refuses the right key id with a wrong secret: InvalidSignatureException', async () => {
    const response = await apiCall(
      'ListApplications',
      {},
      { accessKeyId: key.accessKeyId, secretAccessKey: 'not-the-secret' },
    );
    expect(json(response.text).__type).toBe('InvalidSignatureException');
  });

  it('refuses a request signed 20 minutes ago (15 minutes of skew allowed)', async () => {
    const stale = await apiCall('ListApplications', {}, key, new Date(Date.now() - 20 * 60_000));
    expect(json(stale.text).__type).toBe('InvalidSignatureException');
    expect(json(stale.text).message).toMatch(/^Signature expired/);
    const slightlyOff = await apiCall('ListApplications', {}, key, new Date(Date.now() - 5 * 60_000));
    expect(slightlyOff.statusCode).toBe(200);
  });

  it('refuses a signed request replayed with another body, and changes nothing', async () => {
    const signedBody = JSON.stringify({ applicationName: 'harmless' });
    const signed = await signRequest(api, {
      headers: apiHeaders('CreateApplication'),
      body: signedBody,
      credentials: key,
      service: 'codedeploy',
    });
    const evil = JSON.stringify({ applicationName: 'evil' });
    const replayed = await send(api, { headers: signed.headers, body: evil });
    expect(json(replayed.text).__type).toBe('InvalidSignatureException');
    // Declaring the signed body's hash does not help: the body must be the one signed.
    const declared = await send(api, {
      headers: {
        ...signed.headers,
        'x-amz-content-sha256': createHash('sha256').update(signedBody).digest('hex'),
      },
      body: evil,
    });
    expect(declared.statusCode).toBe(400);
    expect(await fixture.listeners.controlPlane.applications.getApplication('evil')).toBeUndefined();
    // The request as signed still works (replaying the same request within 15 minutes is SigV4's rule).
    expect((await send(api, { headers: signed.headers, body: signedBody })).statusCode).toBe(200);
  });

  it('serves PutLifecycleEventHookExecutionStatus without a valid signature: the hook execution id decides', async () => {
    const body = JSON.stringify({
      deploymentId: 'd-AAAAAAAAA',
      lifecycleEventHookExecutionId: 'guess',
      status: 'Succeeded',
    });
    const unsigned = await send(api, { headers: apiHeaders('PutLifecycleEventHookExecutionStatus'), body });
    expect(json(unsigned.text).__type).toBe('DeploymentDoesNotExistException');
    // A hook function signs with its own role, which the server does not know: that is no obstacle either.
    const signed = await signRequest(api, {
      headers: apiHeaders('PutLifecycleEventHookExecutionStatus'),
      body,
      credentials: stranger,
      service: 'codedeploy',
    });
    expect(json((await send(api, { headers: signed.headers, body })).text).__type).toBe(
      'DeploymentDoesNotExistException',
    );
    // No other operation rides on it: an unsigned call of another operation is refused.
    const other = await send(api, {
      headers: apiHeaders('CreateApplication'),
      body: JSON.stringify({ applicationName: 'sneaky' }),
    });
    expect(json(other.text).__type).toBe('MissingAuthenticationTokenException');
  });

  it('answers an oversized body with a clear 413, not a reset connection', async () => {
    const body = JSON.stringify({ applicationName: 'x'.repeat(MAX_REQUEST_BODY_BYTES + 1000) });
    const signed = await signRequest(api, {
      headers: apiHeaders('CreateApplication'),
      body,
      credentials: key,
      service: 'codedeploy',
    });
    const response = await send(api, { headers: signed.headers, body });
    expect(response.statusCode).toBe(413);
    expect(json(response.text)).toEqual({
      __type: 'RequestEntityTooLargeException',
      message: `The request body is larger than ${MAX_REQUEST_BODY_BYTES} bytes, the limit.`,
    });
  });
});

describe('the S3 endpoint', () => {
  async function s3Get(path: string, credentials: Credentials, signingDate?: Date) {
    const signed = await signRequest(s3, {
      method: 'GET',
      path,
      credentials,
      service: 's3',
      ...(signingDate ? { signingDate } : {}),
    });
    return send(s3, { method: 'GET', path: signed.path, headers: signed.headers });
  }

  it('serves a request signed with the key', async () => {
    const response = await s3Get('/revisions/app/v1.txt', key);
    expect(response.statusCode).toBe(200);
    expect(response.text).toBe('version 1');
  });

  it.each([
    [
      'an unsigned request',
      async () => send(s3, { method: 'GET', path: '/revisions/app/v1.txt' }),
      403,
      'AccessDenied',
    ],
    ['another key', async () => s3Get('/revisions/app/v1.txt', stranger), 403, 'InvalidAccessKeyId'],
    [
      'a wrong secret',
      async () => s3Get('/revisions/app/v1.txt', { accessKeyId: key.accessKeyId, secretAccessKey: 'nope' }),
      403,
      'SignatureDoesNotMatch',
    ],
    [
      'a request signed 20 minutes ago',
      async () => s3Get('/revisions/app/v1.txt', key, new Date(Date.now() - 20 * 60_000)),
      403,
      'RequestTimeTooSkewed',
    ],
    [
      'a listing of the buckets, unsigned',
      async () => send(s3, { method: 'GET', path: '/' }),
      403,
      'AccessDenied',
    ],
  ])('refuses %s with its S3 error', async (_what, call, status, code) => {
    const response = await call();
    expect(response.statusCode).toBe(status);
    expect(xmlCode(response.text)).toBe(code);
    expect(response.headers['content-type']).toBe('application/xml');
  });

  it('refuses an upload replayed with another body (XAmzContentSHA256Mismatch), storing nothing', async () => {
    const signed = await signRequest(s3, {
      method: 'PUT',
      path: '/revisions/app/v2.txt',
      credentials: key,
      service: 's3',
      body: 'good',
    });
    const replayed = await send(s3, {
      method: 'PUT',
      path: signed.path,
      headers: signed.headers,
      body: 'evil',
    });
    expect(replayed.statusCode).toBe(400);
    expect(xmlCode(replayed.text)).toBe('XAmzContentSHA256Mismatch');
    expect((await s3Get('/revisions/app/v2.txt', key)).statusCode).toBe(404);
    expect(fixture.created.map((o) => o.key)).not.toContain('app/v2.txt');
  });

  it('accepts presigned URLs within their expiry and refuses them after it or once altered', async () => {
    // As botocore presigns: the payload is UNSIGNED-PAYLOAD, and not named in the URL.
    const presign = (path: string, expiresIn: number, signingDate = new Date()) =>
      signer(key, 's3').presign(
        {
          method: 'GET',
          protocol: 'http:',
          hostname: '127.0.0.1',
          port: Number(new URL(s3).port),
          path,
          query: {},
          headers: { host: new URL(s3).host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
        },
        {
          expiresIn,
          signingDate,
          unsignableHeaders: new Set(['x-amz-content-sha256']),
          unhoistableHeaders: new Set(['x-amz-content-sha256']),
        },
      );
    const url = (request: Awaited<ReturnType<typeof presign>>) =>
      `${request.path}?${new URLSearchParams(request.query as Record<string, string>)}`;
    const fresh = await presign('/revisions/app/v1.txt', 60);
    const ok = await send(s3, { method: 'GET', path: url(fresh) });
    expect([ok.statusCode, ok.text]).toEqual([200, 'version 1']);
    const expired = await presign('/revisions/app/v1.txt', 60, new Date(Date.now() - 120_000));
    const late = await send(s3, { method: 'GET', path: url(expired) });
    expect([late.statusCode, xmlCode(late.text)]).toEqual([403, 'AccessDenied']);
    expect(late.text).toContain('Request has expired');
    const altered = url(fresh).replace('/app/v1.txt', '/app/v9.txt');
    const response = await send(s3, { method: 'GET', path: altered });
    expect([response.statusCode, xmlCode(response.text)]).toEqual([403, 'SignatureDoesNotMatch']);
  });

  it('checks each chunk signature of a STREAMING-AWS4-HMAC-SHA256-PAYLOAD upload', async () => {
    const upload = async (tamper: boolean) => {
      const signingDate = new Date();
      const data = Buffer.from('chunked content');
      const path = `/revisions/app/${tamper ? 'bad' : 'good'}-chunks.txt`;
      const seed = await signRequest(s3, {
        method: 'PUT',
        path,
        credentials: key,
        service: 's3',
        signingDate,
        headers: {
          'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
          'content-encoding': 'aws-chunked',
          'x-amz-decoded-content-length': String(data.length),
        },
      });
      const seedSignature = /Signature=(\w+)/.exec(seed.headers.authorization!)![1]!;
      const amzDate = seed.headers['x-amz-date']!;
      const scope = `${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request`;
      const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
      const chunkSignature = (previous: string, bytes: Buffer) =>
        signer(key, 's3').sign(
          ['AWS4-HMAC-SHA256-PAYLOAD', amzDate, scope, previous, sha(Buffer.alloc(0)), sha(bytes)].join('\n'),
          { signingDate },
        );
      const first = await chunkSignature(seedSignature, data);
      const last = await chunkSignature(first, Buffer.alloc(0));
      const sent = tamper ? Buffer.from('chunked CONTENT') : data;
      const body = Buffer.concat([
        Buffer.from(`${data.length.toString(16)};chunk-signature=${first}\r\n`),
        sent,
        Buffer.from(`\r\n0;chunk-signature=${last}\r\n\r\n`),
      ]);
      return send(s3, { method: 'PUT', path, headers: seed.headers, body });
    };
    expect((await upload(false)).statusCode).toBe(200);
    expect((await s3Get('/revisions/app/good-chunks.txt', key)).text).toBe('chunked content');
    const tampered = await upload(true);
    expect([tampered.statusCode, xmlCode(tampered.text)]).toEqual([403, 'SignatureDoesNotMatch']);
    expect((await s3Get('/revisions/app/bad-chunks.txt', key)).statusCode).toBe(404);
  });
});

describe('the records database', () => {
  it('listens on no TCP port: on a socket of mode 0600 in a directory of mode 0700', () => {
    const database = fixture.runtime.database;
    expect(database.endpoint).toBeUndefined();
    expect(database.socketPath).toBeDefined();
    expect(statSync(database.socketPath!).isSocket()).toBe(true);
    expect(statSync(database.socketPath!).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(database.socketPath!)).mode & 0o777).toBe(0o700);
  });

  // Another user is what the key keeps out; only root can start a process as another user to show it.
  const asRoot = process.getuid?.() === 0;
  it(`cannot be opened by a process of another user (${asRoot ? 'run as nobody' : 'not root here: shown by the modes above only'})`, () => {
    const socketPath = fixture.runtime.database.socketPath!;
    expect(existsSync(socketPath)).toBe(true);
    if (!asRoot) {
      expect(statSync(socketPath).uid).toBe(process.getuid?.());
      return;
    }
    const probe = spawnSync(
      process.execPath,
      [
        '-e',
        `const s = require('node:net').createConnection(${JSON.stringify(socketPath)});
         s.on('connect', () => { console.log('CONNECTED'); s.end(); });
         s.on('error', (e) => console.log(e.code));`,
      ],
      { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 10_000 },
    );
    expect(probe.stdout.trim()).toBe('EACCES');
  });
});
