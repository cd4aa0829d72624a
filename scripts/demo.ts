/**
 * `npm run demo`: the job a new user runs first. Three local hosts behind the local load balancer,
 * CodeDeployDefault.HalfAtATime, the real Server state machine on the embedded engine:
 *   1. deploy version 1 of examples/webapp;
 *   2. deploy version 2 while a load generator sends requests through the load balancer;
 *   3. deploy a version 3 whose ValidateService fails: it rolls back to version 2 by itself.
 * It prints, for each deployment, the status, the duration and the requests served and failed.
 * Then the ECS part (scripts/demo-ecs.ts): a canary on the local ECS service under load, and a
 * version rolled back before production reaches it; then a Server blue/green deployment under load.
 * `npm run demo -- --only server`, `--only ecs` or `--only blue-green`
 * runs one part. It cleans up its processes at the end, and again on Ctrl-C.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pc from 'picocolors';
import { runDeployment } from '../cli/commands/deploy.js';
import { deploymentView, type DeploymentView } from '../cli/deployment-view.js';
import { hostsDirectory } from '../local/hosts/hosts.js';
import { hostProcesses, stopHostProcesses } from '../local/hosts/processes.js';
import { handleSignals, STOP_WITHIN_MS, wasInterrupted } from '../cli/interrupt.js';
import { startOwnServer, type ServiceConnection } from '../cli/service.js';
import { LOCAL_TARGET_GROUP } from '../cli/deploy/server-platform.js';
import { runBlueGreenDemo } from './demo-blue-green.js';
import { ecsDemo } from './demo-ecs.js';
import { LoadGenerator } from './load-generator.js';

// The AWS SDK warns on every client construction under Node 20; the demo has nothing to do about it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const example = join(import.meta.dirname, '..', 'examples', 'webapp');
const workDir = mkdtempSync(join(tmpdir(), 'stepdeploy-demo-'));
const stateDir = join(workDir, 'state');
const live = process.stdout.isTTY === true;

const PARTS = ['server', 'ecs', 'blue-green'] as const;
type Part = (typeof PARTS)[number];

/** `--only server`, `--only ecs` or `--only blue-green`: one part of the demo. */
function onlyPart(): Part | undefined {
  const index = process.argv.indexOf('--only');
  if (index === -1) return undefined;
  const part = process.argv[index + 1] as Part;
  if (!PARTS.includes(part)) {
    console.error(`demo: --only takes ${PARTS.join(', ')}`);
    process.exit(2);
  }
  return part;
}
const only = onlyPart();
const ecs = ecsDemo(workDir, live);

/** A copy of examples/webapp as version N; `healthy: false` makes its /health fail validation. */
function revision(version: number, healthy: boolean): string {
  if (wasInterrupted()) throw new Error('interrupted');
  const dir = join(workDir, 'revisions', `webapp-v${version}`);
  cpSync(example, dir, { recursive: true });
  writeFileSync(join(dir, 'app', 'VERSION'), `${version}\n`);
  writeFileSync(
    join(dir, 'config', 'webapp.json'),
    `${JSON.stringify({ version: String(version), healthy }, null, 2)}\n`,
  );
  return dir;
}

interface Row {
  label: string;
  view: DeploymentView;
  rollback?: DeploymentView;
  seconds: number;
  served: number;
  failed: number;
}

let env: ServiceConnection | undefined;
let starting: Promise<ServiceConnection> | undefined;
let load: LoadGenerator | undefined;
let cleaning: Promise<void> | undefined;
/** What the other parts of the demo must end on Ctrl-C. */
const partCleanUps: Array<() => Promise<void>> = [];

/**
 * Ends everything the demo started (the load, the server with its engine and load balancer, the
 * hosts' apps, the ECS and blue/green parts) and removes its directory. Interrupted, the running
 * deployment is stopped first, as StopDeployment stops it.
 */
function cleanUp(interrupted = false): Promise<void> {
  // Interrupted, the demo's own steps may still write into its directory while this runs: the
  // directory goes again as the process exits, with any host process started since the last look.
  if (interrupted) process.once('exit', cleanUpAtOnce);
  return (cleaning ??= (async () => {
    await load?.stop();
    const connection = env ?? (await starting?.catch(() => undefined));
    const inPlace = async () => {
      if (interrupted) await connection?.server?.shutdown({ withinMs: STOP_WITHIN_MS });
      await connection?.close({ abandon: true }).catch(() => {});
    };
    // One part runs at a time; each ends its own, side by side, within the signal's deadline.
    await Promise.all([
      inPlace(),
      ...partCleanUps.map((partCleanUp) => partCleanUp().catch(() => {})),
      ecs.cleanUp().catch(() => {}),
    ]);
    // Every part's hosts and tasks live under the demo's directory: whatever of them is left ends.
    await stopHostProcesses(workDir, interrupted ? 500 : 3000);
    rmSync(workDir, { recursive: true, force: true });
  })());
}

/** A second Ctrl-C, or the deadline: what can be done without waiting. */
function cleanUpAtOnce(): void {
  for (const pid of hostProcesses(workDir)) {
    // The app and whatever it started: its process group, then the process itself.
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // gone already, or not a group leader
      }
    }
  }
  rmSync(workDir, { recursive: true, force: true });
}

handleSignals(
  async () => {
    console.error(
      '\nInterrupted: stopping the deployment, the hosts and the load balancer (Ctrl-C again: at once).',
    );
    await cleanUp(true);
  },
  { atOnce: cleanUpAtOnce },
);

async function deploy(label: string, revisionDir: string): Promise<Row> {
  if (wasInterrupted()) throw new Error('interrupted');
  console.log(pc.bold(`\n${label}`));
  const before = load?.counts() ?? { served: 0, failed: 0 };
  const started = Date.now();
  const view = await runDeployment(env!, {
    applicationName: 'webapp',
    deploymentGroupName: 'demo',
    configName: 'CodeDeployDefault.HalfAtATime',
    revisionPath: revisionDir,
    hosts: 3,
    loadBalancer: true,
    autoRollback: true,
    live,
  });
  const after = load?.counts() ?? { served: 0, failed: 0 };
  const store = env!.server!.runtime.deps.store;
  const rollbackRecord = view.rollbackDeploymentId
    ? await store.getDeployment(view.rollbackDeploymentId)
    : undefined;
  const rollback = rollbackRecord
    ? deploymentView(rollbackRecord, await store.listDeploymentTargets(rollbackRecord.deploymentId))
    : undefined;
  return {
    label,
    view,
    ...(rollback ? { rollback } : {}),
    seconds: (Date.now() - started) / 1000,
    served: after.served - before.served,
    failed: after.failed - before.failed,
  };
}

function printSummary(rows: Row[]): void {
  console.log(pc.bold('\nSummary'));
  console.log(
    `${'deployment'.padEnd(36)} ${'id'.padEnd(12)} ${'status'.padEnd(10)} ${'duration'.padStart(9)} ${'served'.padStart(7)} ${'failed'.padStart(7)}`,
  );
  for (const row of rows) {
    const status =
      row.view.status === 'Succeeded'
        ? pc.green(row.view.status.padEnd(10))
        : pc.red(row.view.status.padEnd(10));
    console.log(
      `${row.label.padEnd(36)} ${row.view.deploymentId.padEnd(12)} ${status} ${`${row.seconds.toFixed(1)} s`.padStart(9)} ${String(row.served).padStart(7)} ${String(row.failed).padStart(7)}`,
    );
    if (row.rollback) {
      const rollbackStatus =
        row.rollback.status === 'Succeeded' ? pc.green(row.rollback.status) : pc.red(row.rollback.status);
      console.log(
        `${'  rolled back to version 2 by'.padEnd(36)} ${row.rollback.deploymentId.padEnd(12)} ${rollbackStatus}   (${row.view.errorCode}: ValidateService failed on ${failedHosts(row.view).join(', ')})`,
      );
    }
  }
}

function failedHosts(view: DeploymentView): string[] {
  return view.instances
    .filter((i) => i.events.some((e) => e.name === 'ValidateService' && e.status === 'Failed'))
    .map((i) => i.id);
}

async function main(): Promise<number> {
  const started = Date.now();
  const runs = (part: Part) => {
    // Interrupted, no part starts any more.
    if (wasInterrupted()) throw new Error('interrupted');
    return only === undefined || only === part;
  };
  const serverOk = runs('server') ? await serverPart() : true;
  const ecsOk = runs('ecs') ? await ecs.run() : true;
  const blueGreenOk = runs('blue-green') ? await blueGreen() : true;
  const ok = serverOk && ecsOk && blueGreenOk;
  console.log(
    ok
      ? pc.green(`\nDemo complete in ${((Date.now() - started) / 1000).toFixed(0)} s: as expected.`)
      : pc.red('\nDemo ended differently than expected (see above).'),
  );
  return ok ? 0 : 1;
}

async function serverPart(): Promise<boolean> {
  starting = startOwnServer(stateDir);
  env = await starting;
  const rows: Row[] = [];
  rows.push(await deploy('version 1', revision(1, true)));
  const url = env.server!.loadBalancers.urls()[LOCAL_TARGET_GROUP]!;
  console.log(`3 local hosts under ${hostsDirectory(stateDir)}, load balancer at ${url}`);
  load = new LoadGenerator(url, { concurrency: 4 });
  load.start();
  rows.push(await deploy('version 2 (under load)', revision(2, true)));
  rows.push(await deploy('version 3 (fails ValidateService)', revision(3, false)));
  await load.stop();
  const served = await load.sample();
  printSummary(rows);
  console.log(`\nAfter the rollback the load balancer serves: ${served}`);
  const [v1, v2, v3] = rows;
  const ok =
    v1?.view.status === 'Succeeded' &&
    v2?.view.status === 'Succeeded' &&
    v2.failed === 0 &&
    v3?.view.status === 'Failed' &&
    v3.rollback?.status === 'Succeeded';
  // The hosts' apps are not needed by the ECS part: they end now, the server with them.
  await env.close({ abandon: true });
  env = undefined;
  starting = undefined;
  await stopHostProcesses(hostsDirectory(stateDir));
  return ok;
}

/** The blue/green part (scripts/demo-blue-green.ts). */
async function blueGreen(): Promise<boolean> {
  const result = await runBlueGreenDemo(workDir, { live, onCleanUp: (fn) => partCleanUps.push(fn) });
  if (!result.ok) console.log(pc.red('\nBlue/green part ended differently than expected (see above).'));
  return result.ok;
}

try {
  process.exitCode = await main();
} catch (error) {
  // Interrupted, the deployment's calls fail as the server closes: the signal's handler speaks.
  if (!wasInterrupted()) {
    console.error(pc.red(`demo failed: ${(error as Error).stack ?? String(error)}`));
    process.exitCode = 1;
  }
} finally {
  await cleanUp();
}
