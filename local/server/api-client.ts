/**
 * Calls one operation of the local CodeDeploy-compatible API, signed with the state directory's key
 * (the API refuses unsigned calls): for the probe that tells a live server from a stale server.json,
 * which must not load the AWS SDK (the CLI's commands reach the API through
 * functions/adapters/aws/codedeploy-service.ts).
 */
import { request as httpRequest } from 'node:http';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { ServerKey } from './server-file.js';

// Spelled out rather than imported: the probe must not load the API and its model.
const TARGET_PREFIX = 'CodeDeploy_20141006.';
const API_SIGNING_NAME = 'codedeploy';

/** Rejects with an Error whose `name` is the API's `__type` (DeploymentDoesNotExistException, ...). */
export function callCodeDeployApi<T>(
  url: string,
  operation: string,
  body: unknown,
  key: ServerKey,
  options: { timeoutMs?: number } = {},
): Promise<T> {
  return callServerApi<T>(url, `${TARGET_PREFIX}${operation}`, body, key, options);
}

/**
 * Calls one operation of the server's listener by its full `X-Amz-Target` (CodeDeploy's, or the
 * server's own local ECS operations), signed with the state directory's key.
 */
export async function callServerApi<T>(
  url: string,
  targetName: string,
  body: unknown,
  key: ServerKey,
  options: { timeoutMs?: number } = {},
): Promise<T> {
  const operation = targetName.slice(targetName.indexOf('.') + 1);
  const target = new URL(url);
  const payload = JSON.stringify(body);
  const signer = new SignatureV4({
    credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
    region: key.region,
    service: API_SIGNING_NAME,
    sha256: Hash.bind(null, 'sha256'),
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: 'POST',
      protocol: target.protocol,
      hostname: target.hostname,
      port: Number(target.port),
      path: '/',
      headers: {
        host: target.host,
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': targetName,
      },
      body: payload,
    }),
  );
  const { statusCode, text } = await new Promise<{ statusCode: number; text: string }>((resolve, reject) => {
    const request = httpRequest(
      { hostname: target.hostname, port: target.port, path: '/', method: 'POST', headers: signed.headers },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ statusCode: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    if (options.timeoutMs !== undefined) {
      request.setTimeout(options.timeoutMs, () =>
        request.destroy(new Error(`${operation} got no answer within ${options.timeoutMs} ms`)),
      );
    }
    request.end(payload);
  });
  const answer = JSON.parse(text || '{}') as { __type?: string; message?: string };
  if (statusCode !== 200) {
    const error = new Error(answer.message ?? `HTTP ${statusCode}`);
    error.name = answer.__type ?? 'InternalFailure';
    throw error;
  }
  return answer as T;
}
