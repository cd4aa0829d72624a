import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleCodeDeployRequest, type CodeDeployUseCases } from '../functions/api/codedeploy-api.js';

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Serves the CodeDeploy-compatible API on 127.0.0.1 while a local runtime runs, so other `stepdeploy`
 * commands (status, stop) and hook functions reach the process that holds the records.
 */
export async function startApiServer(
  useCases: CodeDeployUseCases,
  port = 0,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) request.destroy();
      else chunks.push(chunk);
    });
    request.on('end', () => {
      const target = request.headers['x-amz-target'];
      void handleCodeDeployRequest(
        useCases,
        Array.isArray(target) ? target[0] : target,
        Buffer.concat(chunks).toString('utf8'),
      ).then(({ statusCode, body }) => {
        response.writeHead(statusCode, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify(body));
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Calls one operation of a CodeDeploy-compatible endpoint; rejects with the API's error name. */
export async function callCodeDeployApi<T>(url: string, operation: string, body: unknown): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `CodeDeploy_20141006.${operation}`,
    },
    body: JSON.stringify(body),
  });
  const payload = (await response.json()) as { __type?: string; message?: string };
  if (!response.ok) {
    const error = new Error(payload.message ?? `HTTP ${response.status}`);
    error.name = payload.__type ?? 'InternalFailure';
    throw error;
  }
  return payload as T;
}
