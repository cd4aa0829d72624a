/**
 * Raw signed HTTP for the authentication tests: requests signed with @smithy/signature-v4 (as the SDKs
 * sign), sent with node:http so a test can change what it sends after signing (the body, the date).
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface RawResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export function signer(credentials: Credentials, service: string, region = 'us-east-1'): SignatureV4 {
  return new SignatureV4({
    credentials,
    region,
    service,
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: service !== 's3',
    applyChecksum: service === 's3',
  });
}

export async function signRequest(
  url: string,
  options: {
    method?: string;
    path?: string;
    query?: Record<string, string>;
    headers?: Record<string, string>;
    body?: string | Buffer;
    credentials: Credentials;
    service: string;
    signingDate?: Date;
  },
): Promise<{ headers: Record<string, string>; path: string }> {
  const target = new URL(url);
  const path = options.path ?? '/';
  const signed = await signer(options.credentials, options.service).sign(
    new HttpRequest({
      method: options.method ?? 'POST',
      protocol: 'http:',
      hostname: target.hostname,
      port: Number(target.port),
      path,
      query: options.query ?? {},
      headers: { host: target.host, ...options.headers },
      ...(options.body !== undefined ? { body: options.body } : {}),
    }),
    options.signingDate ? { signingDate: options.signingDate } : {},
  );
  const query = new URLSearchParams(options.query ?? {}).toString();
  return { headers: signed.headers as Record<string, string>, path: query ? `${path}?${query}` : path };
}

export function send(
  url: string,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<RawResponse> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        hostname: target.hostname,
        port: target.port,
        method: options.method ?? 'POST',
        path: options.path ?? '/',
        headers: options.headers ?? {},
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            statusCode: response.statusCode ?? 0,
            headers: response.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

/** The JSON API's headers for one operation, before signing. */
export function apiHeaders(operation: string): Record<string, string> {
  return { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `CodeDeploy_20141006.${operation}` };
}
