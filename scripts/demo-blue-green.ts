/**
 * The blue/green part of `npm run demo` (alone: `npm run demo -- --only blue-green`): three local
 * hosts in an Auto Scaling group's stand-in behind the local load balancer, CodeDeployDefault.HalfAtATime:
 *   1. version 1 deployed blue/green: a replacement host per original, then the reroute;
 *   2. version 2 under load: the replacements install while the originals serve, take the traffic,
 *      and the originals are terminated; it counts the requests served and failed during the reroute
 *      (from the replacements' first AllowTraffic to the originals' last BlockTraffic) and overall.
 * Its own server and state directory, so it runs beside or without the in-place part.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pc from 'picocolors';
import { runDeployment } from '../cli/commands/deploy.js';
import { LOCAL_TARGET_GROUP } from '../cli/deploy/server-platform.js';
import type { DeploymentView } from '../cli/deployment-view.js';
import { STOP_WITHIN_MS, wasInterrupted } from '../cli/interrupt.js';
import { startOwnServer, type ServiceConnection } from '../cli/service.js';
import { hostsDirectory } from '../local/hosts/hosts.js';
import { stopHostProcesses } from '../local/hosts/processes.js';
import { LoadGenerator, type LoadCounts } from './load-generator.js';

const example = join(import.meta.dirname, '..', 'examples', 'webapp');

export interface BlueGreenDemoResult {
  ok: boolean;
  rows: Array<{ label: string; view: DeploymentView; seconds: number; served: number; failed: number }>;
  /** The requests of the second deployment's reroute. */
  reroute: LoadCounts;
}

function revision(workDir: string, version: number): string {
  if (wasInterrupted()) throw new Error('interrupted');
  const dir = join(workDir, 'revisions', `webapp-bg-v${version}`);
  mkdirSync(join(workDir, 'revisions'), { recursive: true });
  cpSync(example, dir, { recursive: true });
  writeFileSync(join(dir, 'app', 'VERSION'), `${version}\n`);
  return dir;
}

/** Runs the blue/green part in `workDir`; `cleanUp` registers what Ctrl-C must end. */
export async function runBlueGreenDemo(
  workDir: string,
  options: { live: boolean; onCleanUp(cleanUp: () => Promise<void>): void },
): Promise<BlueGreenDemoResult> {
  const stateDir = join(workDir, 'state-blue-green');
  let env: ServiceConnection | undefined;
  let load: LoadGenerator | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanUp = () =>
    (cleaning ??= (async () => {
      await load?.stop();
      // Ctrl-C: the running deployment stops as StopDeployment stops it, within the signal's deadline.
      if (wasInterrupted()) await env?.server?.shutdown({ withinMs: STOP_WITHIN_MS });
      await env?.close({ abandon: true }).catch(() => {});
      await stopHostProcesses(hostsDirectory(stateDir), wasInterrupted() ? 500 : 3000);
    })());
  options.onCleanUp(cleanUp);
  try {
    env = await startOwnServer(stateDir);
    const store = env.server!.runtime.deps.store;
    const rows: BlueGreenDemoResult['rows'] = [];
    const reroute = { served: 0, failed: 0 };
    const deploy = async (label: string, version: number) => {
      console.log(pc.bold(`\n${label}`));
      const before = load?.counts() ?? { served: 0, failed: 0 };
      const started = Date.now();
      // The reroute's window, read from the deployment's phase while it runs.
      let watching = true;
      let atAllow: LoadCounts | undefined;
      let atEnd: LoadCounts | undefined;
      const watch = (async () => {
        while (watching) {
          // The records close under it when the demo is interrupted: the watch just ends.
          const deployments = await store
            .listDeployments({ applicationName: 'webapp', deploymentGroupName: 'blue-green' })
            .catch(() => undefined);
          if (!deployments) return;
          const [deployment] = deployments;
          const phase =
            deployment?.computePlatform === 'Server' ? deployment.serverBlueGreen?.phase : undefined;
          if (load && (phase === 'allow' || phase === 'block')) atAllow ??= load.counts();
          if (load && atAllow && phase !== 'allow' && phase !== 'block') atEnd ??= load.counts();
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })();
      const view = await runDeployment(env!, {
        applicationName: 'webapp',
        deploymentGroupName: 'blue-green',
        configName: 'CodeDeployDefault.HalfAtATime',
        revisionPath: revision(workDir, version),
        hosts: 3,
        loadBalancer: true,
        blueGreen: { keepOriginals: false },
        autoRollback: true,
        live: options.live,
      });
      watching = false;
      await watch;
      const after = load?.counts() ?? { served: 0, failed: 0 };
      if (atAllow) {
        const end = atEnd ?? after;
        reroute.served = end.served - atAllow.served;
        reroute.failed = end.failed - atAllow.failed;
      }
      rows.push({
        label,
        view,
        seconds: (Date.now() - started) / 1000,
        served: after.served - before.served,
        failed: after.failed - before.failed,
      });
      return view;
    };
    const first = await deploy('blue/green version 1', 1);
    const url = env.server!.loadBalancers.urls()[LOCAL_TARGET_GROUP]!;
    console.log(
      `hosts now: ${first.instances
        .filter((i) => i.role === 'replacement')
        .map((i) => i.id)
        .join(', ')} behind ${url}`,
    );
    load = new LoadGenerator(url, { concurrency: 4 });
    load.start();
    await deploy('blue/green version 2 (under load)', 2);
    await load.stop();
    const serving = await load.sample();
    console.log(pc.bold('\nBlue/green summary'));
    for (const row of rows) {
      const status = row.view.status === 'Succeeded' ? pc.green(row.view.status) : pc.red(row.view.status);
      console.log(
        `${row.label.padEnd(36)} ${row.view.deploymentId.padEnd(12)} ${status.padEnd(10)} ${`${row.seconds.toFixed(1)} s`.padStart(8)} served ${row.served}, failed ${row.failed}`,
      );
    }
    console.log(`During the reroute: ${reroute.served} requests served, ${reroute.failed} failed.`);
    console.log(`The load balancer serves: ${serving}`);
    const [v1, v2] = rows;
    const ok =
      v1?.view.status === 'Succeeded' &&
      v2?.view.status === 'Succeeded' &&
      v2.failed === 0 &&
      reroute.served > 0 &&
      reroute.failed === 0;
    return { ok, rows, reroute };
  } finally {
    await cleanUp();
  }
}
