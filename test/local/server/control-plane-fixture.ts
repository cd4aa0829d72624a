/**
 * A running control plane for tests: the embedded runtime with in-memory records (dynalite on its
 * private socket) and the API + S3 listeners of `local/server/` on a temporary state directory, with
 * small pages so the paginators have pages to turn.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RealClock } from '../../../local/engine/index.js';
import { createLocalRuntime, type LocalRuntime } from '../../../local/runtime/runtime.js';
import { startControlPlaneListeners, type ControlPlaneListeners } from '../../../local/server/listeners.js';
import type { CreatedObject } from '../../../local/server/s3-endpoint.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface ControlPlaneFixture {
  stateDir: string;
  runtime: LocalRuntime;
  listeners: ControlPlaneListeners;
  created: CreatedObject[];
  internalErrors: unknown[];
  credentials: { accessKeyId: string; secretAccessKey: string };
  dispose(): Promise<void>;
}

export async function startControlPlaneFixture(
  options: { pageSize?: number; now?: () => Date } = {},
): Promise<ControlPlaneFixture> {
  const stateDir = mkdtempSync(join(tmpdir(), 'stepdeploy-cp-'));
  const runtime = await createLocalRuntime({ clock: new RealClock(), ports: {} });
  const created: CreatedObject[] = [];
  const internalErrors: unknown[] = [];
  const listeners = await startControlPlaneListeners({
    stateDir,
    database: runtime.database,
    deployments: {
      store: runtime.deps.store,
      stopDeployment: runtime.stopDeployment,
      putLifecycleEventHookExecutionStatus: runtime.putLifecycleEventHookExecutionStatus,
    },
    pageSize: options.pageSize ?? 2,
    onObjectCreated: (object) => void created.push(object),
    onInternalError: (error) => void internalErrors.push(error),
    ...(options.now ? { now: options.now } : {}),
  });
  return {
    stateDir,
    runtime,
    listeners,
    created,
    internalErrors,
    credentials: { accessKeyId: listeners.key.accessKeyId, secretAccessKey: listeners.key.secretAccessKey },
    async dispose() {
      await listeners.close();
      await runtime.dispose();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
