/**
 * Runs the control plane's listeners on a state directory until SIGINT or SIGTERM: the signed
 * CodeDeploy-compatible API (applications, deployment groups, configs, revisions, on-premises
 * instances, and the deployment operations the engine serves today) and the signed S3 endpoint, over
 * the records database on its private socket. It prints the `export` lines a shell needs.
 *
 * A stand-in until `stepdeploy server` (part two of issue 9) composes these with the engine:
 * CreateDeployment and the S3 upload trigger are not wired here.
 *
 *   npx tsx scripts/control-plane-server.ts [--state-dir DIR] [--port N] [--s3-port N]
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { RealClock } from '../local/engine/index.js';
import { createLocalRuntime } from '../local/runtime/runtime.js';
import { startControlPlaneListeners } from '../local/server/listeners.js';
import { shellExports } from '../local/server/server-file.js';
import { assertStateDirFree } from '../local/state-dir.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values } = parseArgs({
  options: {
    'state-dir': { type: 'string', default: '.stepdeploy' },
    port: { type: 'string', default: '0' },
    's3-port': { type: 'string', default: '0' },
  },
});
const stateDir = assertStateDirFree(resolve(values['state-dir']));
const started = performance.now();
const runtime = await createLocalRuntime({
  clock: new RealClock(),
  databasePath: join(stateDir, 'records'),
  ports: {},
});
const listeners = await startControlPlaneListeners({
  stateDir,
  database: runtime.database,
  deployments: {
    store: runtime.deps.store,
    stopDeployment: runtime.stopDeployment,
    putLifecycleEventHookExecutionStatus: runtime.putLifecycleEventHookExecutionStatus,
  },
  apiPort: Number(values.port),
  s3Port: Number(values['s3-port']),
  onObjectCreated: (object) =>
    console.error(`object created: s3://${object.bucket}/${object.key} (${object.eventName})`),
});
process.stdout.write(shellExports(listeners.serverFile));
console.error(
  `stepdeploy control plane on ${listeners.endpoint} (S3 ${listeners.s3Endpoint}), ready in ${(performance.now() - started).toFixed(0)} ms; state in ${stateDir}`,
);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.error(`${signal}: stopping`);
  await listeners.close();
  await runtime.dispose();
  process.exit(signal === 'SIGINT' ? 130 : 0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
