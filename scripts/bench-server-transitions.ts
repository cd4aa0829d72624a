/**
 * Prints the Step Functions state transitions (what a Standard workflow bills) of successful Server
 * in-place deployments of examples/webapp: 1 and 4 local hosts, without and with the local load
 * balancer, for OneAtATime (the default config) and AllAtOnce. The deployments run as `stepdeploy
 * deploy` runs them: the real state machine on the embedded engine, real hosts, real time. With a load
 * balancer the count also depends on how many health polls AllowTraffic needed, so it can vary by a
 * few transitions from run to run.
 *
 *   npx tsx scripts/bench-server-transitions.ts      (or: npm run bench:server)
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runDeployment } from '../cli/commands/deploy.js';
import { hostsDirectory } from '../local/hosts/hosts.js';
import { stopHostProcesses } from '../local/hosts/processes.js';
import { startOwnServer, type ServiceConnection } from '../cli/service.js';
import { USD_PER_TRANSITION } from './bench-figures.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const CONFIGS = ['CodeDeployDefault.OneAtATime', 'CodeDeployDefault.AllAtOnce'];
const SCENARIOS = [
  { hosts: 1, loadBalancer: false },
  { hosts: 4, loadBalancer: false },
  { hosts: 1, loadBalancer: true },
  { hosts: 4, loadBalancer: true },
];

const workDir = mkdtempSync(join(tmpdir(), 'stepdeploy-bench-server-'));
const revision = join(workDir, 'webapp');
cpSync(join(import.meta.dirname, '..', 'examples', 'webapp'), revision, { recursive: true });

let env: ServiceConnection | undefined;
let stateDir: string | undefined;

async function closeEnvironment(): Promise<void> {
  await env?.close({ abandon: true }).catch(() => {});
  if (stateDir) await stopHostProcesses(hostsDirectory(stateDir), 1000);
  env = undefined;
}

process.once('SIGINT', () => {
  void closeEnvironment().finally(() => {
    rmSync(workDir, { recursive: true, force: true });
    process.exit(130);
  });
});

interface Row {
  hosts: number;
  loadBalancer: boolean;
  config: string;
  transitions: number;
  seconds: number;
}

/** One deployment to a fresh group of fresh hosts, so every row starts from the same place. */
async function measure(hosts: number, loadBalancer: boolean, config: string, index: number): Promise<Row> {
  stateDir = join(workDir, `state-${index}`);
  env = await startOwnServer(stateDir);
  try {
    const started = performance.now();
    const view = await runDeployment(env, {
      applicationName: 'webapp',
      deploymentGroupName: 'bench',
      configName: config,
      revisionPath: revision,
      hosts,
      loadBalancer,
      autoRollback: false,
      live: false,
      quiet: true,
    });
    const seconds = (performance.now() - started) / 1000;
    // A figure for a failed deployment would measure the wrong path.
    if (view.status !== 'Succeeded') {
      throw new Error(
        `${config} on ${hosts} host(s): the deployment ended ${view.status} (${view.errorCode})`,
      );
    }
    const outcome = await env.server!.runtime.outcome(view.deploymentId);
    if (!outcome) throw new Error(`No execution outcome for ${view.deploymentId}`);
    return { hosts, loadBalancer, config, transitions: outcome.stateTransitions, seconds };
  } finally {
    await closeEnvironment();
  }
}

try {
  const rows: Row[] = [];
  let index = 0;
  for (const { hosts, loadBalancer } of SCENARIOS) {
    for (const config of CONFIGS) rows.push(await measure(hosts, loadBalancer, config, index++));
  }
  console.log(
    'State transitions per successful Server in-place deployment of examples/webapp (one execution each)',
  );
  console.log(
    `  ${'hosts'.padStart(5)}  ${'load balancer'.padEnd(13)}  ${'config'.padEnd(30)}  ${'transitions'.padStart(11)}  ${'per instance'.padStart(12)}  ${'cost'.padStart(9)}  ${'wall'.padStart(7)}`,
  );
  for (const row of rows) {
    const perInstance = (row.transitions / row.hosts).toFixed(1);
    const cost = `$${(row.transitions * USD_PER_TRANSITION).toFixed(5)}`;
    console.log(
      `  ${String(row.hosts).padStart(5)}  ${(row.loadBalancer ? 'yes' : 'no').padEnd(13)}  ${row.config.padEnd(30)}  ${String(row.transitions).padStart(11)}  ${perInstance.padStart(12)}  ${cost.padStart(9)}  ${`${row.seconds.toFixed(1)} s`.padStart(7)}`,
    );
  }
} catch (error) {
  console.error(`bench failed: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
} finally {
  await closeEnvironment();
  rmSync(workDir, { recursive: true, force: true });
}
