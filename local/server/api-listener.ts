/**
 * The CodeDeploy-compatible API over HTTP on 127.0.0.1, for `stepdeploy server` (also the one a
 * `stepdeploy deploy` starts for itself when none runs). Every request must be
 * signed (SigV4, signing name `codedeploy`) with the state directory's key, or it is refused with the
 * error CodeDeploy's endpoint gives; the one exception is PutLifecycleEventHookExecutionStatus, whose
 * caller is a hook function signing with its own role's credentials, which the server cannot know: the
 * unguessable hook execution id in its body is the capability, as in CodeDeploy. Nothing else is
 * served unsigned: the operation is read from X-Amz-Target, and that operation alone runs.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  handleCodeDeployRequest,
  MAX_REQUEST_BODY_BYTES,
  operationAuth,
  type ApiResponse,
  type CodeDeployUseCases,
} from '../../functions/api/codedeploy-api.js';
import { readBody } from './request-body.js';
import type { ServerKey } from './server-file.js';
import { SigV4Verifier, type AuthRejection } from './sigv4-verifier.js';

export const API_SIGNING_NAME = 'codedeploy';

/** Operations of the server's own beside CodeDeploy's, on the same listener and key (`X-Amz-Target: <prefix>Op`). */
export interface LocalOperations {
  prefix: string;
  handle(target: string, body: string): Promise<ApiResponse>;
}

export interface ApiListenerOptions {
  useCases: CodeDeployUseCases;
  key: ServerKey;
  localOperations?: LocalOperations;
  /** 0 (the default) picks a free port. */
  port?: number;
  now?: () => Date;
}

export interface ApiListener {
  url: string;
  port: number;
  close(): Promise<void>;
}

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/**
 * The error AWS's JSON services answer an unauthenticated request with [unverified for CodeDeploy:
 * names and messages are those DynamoDB and other JSON 1.x services document; the HTTP status is 400
 * as for every JSON-protocol client error].
 */
export function jsonAuthError(rejection: AuthRejection): ApiResponse {
  const error = (type: string, message: string) => ({ statusCode: 400, body: { __type: type, message } });
  switch (rejection.failure) {
    case 'missing':
      return error('MissingAuthenticationTokenException', 'Missing Authentication Token');
    case 'malformed':
    case 'missing-content-sha256':
      return error('IncompleteSignatureException', rejection.detail);
    case 'unknown-key':
      return error('UnrecognizedClientException', 'The security token included in the request is invalid.');
    case 'skewed':
      return error('InvalidSignatureException', `Signature expired: ${rejection.detail}`);
    case 'wrong-scope':
      return error('InvalidSignatureException', rejection.detail);
    default:
      return error('InvalidSignatureException', SIGNATURE_MISMATCH);
  }
}

function send(response: ServerResponse, { statusCode, body }: ApiResponse): void {
  const text = JSON.stringify(body);
  response.writeHead(statusCode, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  response.end(text);
}

function singleHeader(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export async function startApiListener(options: ApiListenerOptions): Promise<ApiListener> {
  const verifier = new SigV4Verifier({
    ...options.key,
    service: API_SIGNING_NAME,
    allowQueryAuth: false,
    ...(options.now ? { now: options.now } : {}),
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request, MAX_REQUEST_BODY_BYTES);
    if (body === undefined) {
      return send(response, {
        statusCode: 413,
        body: {
          __type: 'RequestEntityTooLargeException',
          message: `The request body is larger than ${MAX_REQUEST_BODY_BYTES} bytes, the limit.`,
        },
      });
    }
    const target = singleHeader(request, 'x-amz-target');
    if (operationAuth(target) === 'signature') {
      const verdict = await verifier.verify({
        method: request.method ?? 'GET',
        url: request.url ?? '/',
        headers: request.headers,
        body,
      });
      if (!verdict.ok) return send(response, jsonAuthError(verdict));
    }
    if (request.method !== 'POST') {
      return send(response, {
        statusCode: 404,
        body: { __type: 'UnknownOperationException', message: 'The API takes POST requests to /.' },
      });
    }
    const local = options.localOperations;
    if (local && target?.startsWith(local.prefix)) {
      return send(response, await local.handle(target, body.toString('utf8')));
    }
    send(response, await handleCodeDeployRequest(options.useCases, target, body.toString('utf8')));
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch(() => {
      // The client went away mid-request: nothing to answer.
      if (!response.headersSent) response.destroy();
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
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
