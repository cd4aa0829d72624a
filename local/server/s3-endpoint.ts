/**
 * An S3-compatible endpoint for revisions on 127.0.0.1: @20minutes/s3rver stores the buckets under
 * `<state-dir>/s3`, and listens only on a Unix socket in the state directory's private `run/`
 * directory; the TCP listener in front of it admits a request only when it is signed with the server's
 * key (SigV4, signing name `s3`, header or presigned-URL query authentication), answering otherwise with
 * S3's XML errors (AccessDenied, InvalidAccessKeyId, SignatureDoesNotMatch, RequestTimeTooSkewed, ...).
 *
 * Payloads: a body declared by its SHA-256 (what awscli sends over http) is held back until its hash
 * matches (XAmzContentSHA256Mismatch otherwise), so a signed request replayed with another body stores
 * nothing; aws-chunked streams (`STREAMING-UNSIGNED-PAYLOAD-TRAILER` from the JavaScript SDK, or
 * `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` with a signature per chunk, checked) are decoded before the store
 * sees them; `UNSIGNED-PAYLOAD` (presigned URLs, and clients over TLS) is passed through as S3 accepts it.
 *
 * Every object created (PUT, POST, copy, multipart completion) is reported to `onObjectCreated`, as S3
 * event notifications would report it: `stepdeploy server` starts a deployment for an upload under
 * `<application>/<deployment-group>/` (local/server/server.ts).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import S3rver from '@20minutes/s3rver';
import { AwsChunkedError, decodeAwsChunked } from './aws-chunked.js';
import { spoolBody, type SpooledBody } from './body-spool.js';
import type { ServerKey } from './server-file.js';
import {
  MAX_CLOCK_SKEW_MS,
  signaturesEqual,
  SigV4Verifier,
  type AuthRejection,
  type Payload,
} from './sigv4-verifier.js';

export interface CreatedObject {
  bucket: string;
  key: string;
  size?: number;
  eTag?: string;
  /** S3's event name: ObjectCreated:Put, ObjectCreated:Post (multipart completion), ObjectCreated:Copy. */
  eventName: string;
}

export interface S3EndpointOptions {
  stateDir: string;
  key: ServerKey;
  /** 0 (the default) picks a free port. */
  port?: number;
  onObjectCreated?(object: CreatedObject): void | Promise<void>;
  /** Where a failure of `onObjectCreated` is reported (stderr by default). */
  onError?(error: unknown): void;
  now?: () => Date;
}

export interface S3Endpoint {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Request headers that concern the signature or the transfer encoding, not the object. */
const CONSUMED_HEADERS = new Set([
  'authorization',
  'x-amz-content-sha256',
  'x-amz-decoded-content-length',
  'x-amz-trailer',
  'x-amz-date',
  'x-amz-security-token',
  'expect',
  'transfer-encoding',
  'connection',
]);

function xml(code: string, message: string, extra: Record<string, string> = {}): string {
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const members = Object.entries({
    Code: code,
    Message: message,
    ...extra,
    RequestId: randomBytes(8).toString('hex').toUpperCase(),
  })
    .map(([name, value]) => `<${name}>${escape(value)}</${name}>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${members}</Error>`;
}

function sendError(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  code: string,
  message: string,
  extra: Record<string, string> = {},
): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const body = xml(code, message, extra);
  response.writeHead(status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
  });
  // A HEAD answer has no body, as S3's.
  response.end(request.method === 'HEAD' ? undefined : body);
}

/** S3's answer to a request that failed authentication. */
function authError(
  request: IncomingMessage,
  response: ServerResponse,
  rejection: AuthRejection,
  now: Date,
): void {
  const queryAuth = request.headers.authorization === undefined;
  switch (rejection.failure) {
    case 'missing':
      return sendError(request, response, 403, 'AccessDenied', 'Access Denied');
    case 'unknown-key':
      return sendError(
        request,
        response,
        403,
        'InvalidAccessKeyId',
        'The AWS Access Key Id you provided does not exist in our records.',
        {
          AWSAccessKeyId: rejection.accessKeyId ?? '',
        },
      );
    case 'bad-signature':
      return sendError(
        request,
        response,
        403,
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      );
    case 'skewed':
      return sendError(
        request,
        response,
        403,
        'RequestTimeTooSkewed',
        'The difference between the request time and the current time is too large.',
        {
          RequestTime: rejection.requestTime ?? '',
          ServerTime: now.toISOString(),
          MaxAllowedSkewMilliseconds: String(MAX_CLOCK_SKEW_MS),
        },
      );
    case 'expired':
      return sendError(request, response, 403, 'AccessDenied', rejection.detail, {
        ServerTime: now.toISOString(),
      });
    case 'missing-content-sha256':
      return sendError(request, response, 400, 'InvalidRequest', rejection.detail);
    case 'payload-mismatch':
      return sendError(
        request,
        response,
        400,
        'XAmzContentSHA256Mismatch',
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
      );
    default:
      return sendError(
        request,
        response,
        400,
        queryAuth ? 'AuthorizationQueryParametersError' : 'AuthorizationHeaderMalformed',
        `The authorization ${queryAuth ? 'query parameters are' : 'header is'} malformed: ${rejection.detail}`,
      );
  }
}

/** The request target without the parameters that carried a presigned URL's signature. */
function withoutParameters(url: string, names: readonly string[]): string {
  const start = url.indexOf('?');
  if (start < 0 || names.length === 0) return url;
  const drop = new Set(names.map((name) => name.toLowerCase()));
  const kept = url
    .slice(start + 1)
    .split('&')
    .filter((part) => {
      const name = part.split('=')[0] ?? '';
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        // kept as is: s3rver will answer for it
      }
      return part !== '' && !drop.has(decoded.toLowerCase());
    });
  return kept.length ? `${url.slice(0, start)}?${kept.join('&')}` : url.slice(0, start);
}

export async function startS3Endpoint(options: S3EndpointOptions): Promise<S3Endpoint> {
  const now = options.now ?? (() => new Date());
  const verifier = new SigV4Verifier({ ...options.key, service: 's3', allowQueryAuth: true, now });
  const storeDir = join(options.stateDir, 's3');
  const runDir = join(options.stateDir, 'run');
  const spoolDir = join(runDir, 's3-spool');
  mkdirSync(storeDir, { recursive: true, mode: 0o700 });
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  chmodSync(runDir, 0o700);
  const socketPath = join(runDir, `s3-${process.pid}.sock`);
  rmSync(socketPath, { force: true });

  const store = new S3rver({ directory: storeDir, silent: true, vhostBuckets: false });
  const report =
    options.onError ??
    ((error: unknown) => process.stderr.write(`stepdeploy S3 endpoint: ${String(error)}\n`));
  store.on('event', (event) => {
    for (const record of event.Records) {
      if (!record.eventName.startsWith('ObjectCreated:') || !options.onObjectCreated) continue;
      const created: CreatedObject = {
        bucket: record.s3.bucket.name,
        key: record.s3.object.key,
        ...(record.s3.object.size !== undefined ? { size: Number(record.s3.object.size) } : {}),
        ...(record.s3.object.eTag ? { eTag: record.s3.object.eTag } : {}),
        eventName: record.eventName,
      };
      // After the answer: the upload succeeds whatever the callback does.
      setImmediate(() => {
        Promise.resolve()
          .then(() => options.onObjectCreated!(created))
          .catch(report);
      });
    }
  });
  const internal: Server = createServer(store.callback());
  await new Promise<void>((resolve, reject) => {
    internal.once('error', reject);
    internal.listen(socketPath, () => resolve());
  });
  chmodSync(socketPath, 0o600);

  function forward(
    request: IncomingMessage,
    response: ServerResponse,
    url: string,
    body: Readable,
    length: number | undefined,
  ): void {
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (CONSUMED_HEADERS.has(name) || value === undefined) continue;
      if (name === 'content-encoding') {
        const rest = String(value)
          .split(',')
          .map((token) => token.trim())
          .filter((token) => token !== '' && token !== 'aws-chunked');
        if (rest.length) headers[name] = rest.join(',');
        continue;
      }
      headers[name] = value;
    }
    if (length !== undefined) headers['content-length'] = String(length);
    else delete headers['content-length'];
    const upstream = httpRequest({ socketPath, method: request.method, path: url, headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.on('error', () =>
      sendError(
        request,
        response,
        500,
        'InternalError',
        'We encountered an internal error. Please try again.',
      ),
    );
    body.pipe(upstream);
  }

  async function verifiedBody(
    request: IncomingMessage,
    payload: Payload,
  ): Promise<SpooledBody | 'unsigned' | AuthRejection> {
    switch (payload.kind) {
      case 'unsigned':
        return 'unsigned';
      case 'sha256': {
        const body = await spoolBody(request, spoolDir);
        if (body.sha256 !== payload.sha256) {
          body.dispose();
          return {
            ok: false,
            failure: 'payload-mismatch',
            detail: 'The body is not the one x-amz-content-sha256 declares.',
          };
        }
        return body;
      }
      case 'streaming-unsigned-trailer':
        return spoolBody(chunkData(decodeAwsChunked(request)), spoolDir);
      case 'streaming-signed': {
        let previous = payload.seedSignature;
        let bad = false;
        const checked = async function* (): AsyncGenerator<Buffer> {
          for await (const chunk of decodeAwsChunked(request)) {
            const expected = await verifier.chunkSignature(previous, payload.signingDate, chunk.data);
            if (!chunk.signature || !signaturesEqual(expected, chunk.signature)) bad = true;
            previous = chunk.signature ?? '';
            yield chunk.data;
          }
        };
        const body = await spoolBody(checked(), spoolDir);
        if (bad) {
          body.dispose();
          return { ok: false, failure: 'bad-signature', detail: 'A chunk signature does not match.' };
        }
        return body;
      }
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const verdict = await verifier.verify({
      method: request.method ?? 'GET',
      url: request.url ?? '/',
      headers: request.headers,
    });
    if (!verdict.ok) {
      request.resume(); // read the body away, so the client gets the answer rather than a reset
      return authError(request, response, verdict, now());
    }
    const url = withoutParameters(request.url ?? '/', verdict.authQueryParameters);
    let body: SpooledBody | 'unsigned' | AuthRejection;
    try {
      body = await verifiedBody(request, verdict.payload);
    } catch (error) {
      if (error instanceof AwsChunkedError)
        return sendError(request, response, 400, 'IncompleteBody', error.message);
      throw error;
    }
    if (body === 'unsigned') {
      const length = request.headers['content-length'];
      return forward(request, response, url, request, length === undefined ? undefined : Number(length));
    }
    if ('ok' in body) return authError(request, response, body, now());
    const spooled = body;
    response.on('close', () => spooled.dispose());
    forward(request, response, url, spooled.open(), spooled.size);
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      report(error);
      sendError(
        request,
        response,
        500,
        'InternalError',
        'We encountered an internal error. Please try again.',
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async close() {
      for (const listener of [server, internal]) {
        listener.closeAllConnections();
        await new Promise<void>((resolve) => listener.close(() => resolve()));
      }
      rmSync(socketPath, { force: true });
    },
  };
}

async function* chunkData(chunks: AsyncGenerator<{ data: Buffer }, unknown>): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) yield chunk.data;
}
