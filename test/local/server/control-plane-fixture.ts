/**
 * A running `stepdeploy server` in the test's process (startLocalServer: records on disk, engine,
 * hosts, load balancers, API and S3 listeners) on a temporary state directory, with small pages so
 * the paginators have pages to turn.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopHostProcesses } from '../../../local/hosts/processes.js';
import type { LocalRuntime } from '../../../local/runtime/runtime.js';
import type { ControlPlaneListeners } from '../../../local/server/listeners.js';
import type { CreatedObject } from '../../../local/server/s3-endpoint.js';
import { startLocalServer, type LocalServer } from '../../../local/server/server.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface ControlPlaneFixture {
  stateDir: string;
  server: LocalServer;
  runtime: LocalRuntime;
  listeners: ControlPlaneListeners;
  created: CreatedObject[];
  internalErrors: unknown[];
  /** What the server reported (S3 triggers). */
  log: string[];
  credentials: { accessKeyId: string; secretAccessKey: string };
  dispose(): Promise<void>;
}

export async function startControlPlaneFixture(
  options: { pageSize?: number; now?: () => Date } = {},
): Promise<ControlPlaneFixture> {
  const stateDir = join(mkdtempSync(join(tmpdir(), 'stepdeploy-cp-')), 'state');
  const created: CreatedObject[] = [];
  const internalErrors: unknown[] = [];
  const log: string[] = [];
  const server = await startLocalServer({
    stateDir,
    pageSize: options.pageSize ?? 2,
    onObjectCreated: (object) => void created.push(object),
    onInternalError: (error) => void internalErrors.push(error),
    log: (line) => void log.push(line),
    ...(options.now ? { now: options.now } : {}),
  });
  return {
    stateDir,
    server,
    runtime: server.runtime,
    listeners: server.listeners,
    created,
    internalErrors,
    log,
    credentials: { accessKeyId: server.key.accessKeyId, secretAccessKey: server.key.secretAccessKey },
    async dispose() {
      await stopHostProcesses(join(stateDir, 'hosts'), 1000);
      await server.close();
      await stopHostProcesses(join(stateDir, 'hosts'), 1000);
      rmSync(join(stateDir, '..'), { recursive: true, force: true });
    },
  };
}
