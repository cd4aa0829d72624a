/**
 * Calls one operation of the local CodeDeploy-compatible API, signed with the state directory's key
 * (the API refuses unsigned calls). stepdeploy's own commands use it until part two makes them clients
 * through @aws-sdk/client-codedeploy.
 */
import { request as httpRequest } from 'node:http';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { TARGET_PREFIX } from '../../functions/api/codedeploy-api.js';
import { API_SIGNING_NAME } from './api-listener.js';
import type { ServerKey } from './server-file.js';

/** Rejects with an Error whose `name` is the API's `__type` (DeploymentDoesNotExistException, ...). */
export async function callCodeDeployApi<T>(
  url: string,
  operation: string,
  body: unknown,
  key: ServerKey,
): Promise<T> {
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
        'x-amz-target': `${TARGET_PREFIX}${operation}`,
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
