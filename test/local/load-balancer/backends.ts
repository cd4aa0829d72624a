/**
 * Tiny real HTTP backends and a client for the load balancer tests. Everything listens on 127.0.0.1
 * port 0 and is closed by the test, so suites can run side by side.
 */
import {
  createServer,
  request,
  type Agent,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Backend {
  readonly name: string;
  readonly port: number;
  /** Application requests, in arrival order (health checks are kept apart). */
  readonly requests: SeenRequest[];
  readonly healthChecks: SeenRequest[];
  /** Status of the health path; -1 makes health checks hang (never answered). */
  healthStatus: number;
  appStatus: number;
  /** Delay before answering paths starting with /slow. */
  slowMs: number;
  close(): Promise<void>;
}

export interface BackendOptions {
  healthPath?: string;
  healthStatus?: number;
  appStatus?: number;
  slowMs?: number;
}

/** Answers `<name>` with `appStatus`, echoes POST bodies, and delays /slow... by `slowMs`. */
export async function startBackend(name: string, options: BackendOptions = {}): Promise<Backend> {
  const healthPath = options.healthPath ?? '/health';
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const seen: SeenRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      if (seen.path === healthPath) {
        backend.healthChecks.push(seen);
        if (backend.healthStatus === -1) return;
        res.writeHead(backend.healthStatus).end();
        return;
      }
      backend.requests.push(seen);
      const answer = (): void => {
        res.writeHead(backend.appStatus, { 'content-type': 'text/plain' });
        res.end(seen.method === 'POST' ? seen.body : name);
      };
      if (!seen.path.startsWith('/slow')) return answer();
      const timer = setTimeout(answer, backend.slowMs);
      // A cut request must not leave a timer behind: the handle checks count timers.
      res.on('close', () => clearTimeout(timer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const backend: Backend = {
    name,
    port: (server.address() as AddressInfo).port,
    requests: [],
    healthChecks: [],
    healthStatus: options.healthStatus ?? 200,
    appStatus: options.appStatus ?? 200,
    slowMs: options.slowMs ?? 300,
    close: async () => {
      if (!server.listening) return;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
  return backend;
}

export interface Response {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RequestInit {
  method?: string;
  headers?: OutgoingHttpHeaders;
  body?: string | Buffer;
  /** A fresh connection per request unless an agent is given. */
  agent?: Agent;
}

export function send(url: string, init: RequestInit = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: init.method ?? 'GET',
      headers: init.headers,
      agent: init.agent ?? false,
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.end(init.body);
  });
}

/** Polls `check` until it returns true; fails with `what` after `timeoutMs`. */
export async function until(what: string, check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
