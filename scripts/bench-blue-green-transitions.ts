/**
 * Prints the Step Functions state transitions (what a Standard workflow bills) and the history of a
 * successful Server blue/green deployment to simulated fleets of 3 and 30 instances (default; any
 * sizes with --instances), for OneAtATime, HalfAtATime and AllAtOnce: the real parent and child state
 * machines and steps on the embedded engine in compressed time, a copy of the Auto Scaling group
 * (in service after 90 s), simulated instances (2 s per lifecycle event) and a simulated ELB target
 * group with AWS's default timings (300 s deregistration delay, checks every 30 s, healthy after 5),
 * no ready wait and no termination wait.
 *
 *   npm run bench:blue-green                    a table
 *   npm run bench:blue-green -- --instances 3,30,300 --configs OneAtATime
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { openSimulatedBlueGreenFleet } from '../local/simulate/blue-green-fleet.js';
import { USD_PER_TRANSITION } from './bench-figures.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '3,30' },
    configs: { type: 'string', default: 'OneAtATime,HalfAtATime,AllAtOnce' },
  },
});
const sizes = values.instances.split(',').map((n) => Number(n.trim()));
const configs = values.configs
  .split(',')
  .map((c) => `CodeDeployDefault.${c.trim().replace(/^CodeDeployDefault\./, '')}`);
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) {
  process.stderr.write('usage: bench-blue-green [--instances 3,30] [--configs OneAtATime,AllAtOnce]\n');
  process.exit(2);
}

interface Row {
  instances: number;
  config: string;
  executions: number;
  parentHistory: number;
  maxHistory: number;
  transitions: number;
  simulatedMinutes: number;
  wallSeconds: number;
}

const rows: Row[] = [];
let index = 0;
for (const instances of sizes) {
  for (const config of configs) {
    const fleet = await openSimulatedBlueGreenFleet({
      instances,
      deploymentConfigName: config,
      blueGreen: {
        greenFleetProvisioningOption: { action: 'COPY_AUTO_SCALING_GROUP' },
        deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
        terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 0 },
      },
    });
    try {
      const started = performance.now();
      const run = await fleet.deploy(`d-BENCHBG${String(index++).padStart(2, '0')}`);
      if (run.record.status !== 'Succeeded') {
        throw new Error(
          `${config} on ${instances}: the deployment ended ${run.record.status} (${run.record.errorInformation?.code})`,
        );
      }
      const parent = run.executions.find((e) => e.parent === undefined);
      rows.push({
        instances,
        config,
        executions: run.executions.length,
        parentHistory: parent?.historyEvents ?? 0,
        maxHistory: Math.max(...run.executions.map((e) => e.historyEvents)),
        transitions: run.stateTransitions,
        simulatedMinutes: run.simulatedSeconds / 60,
        wallSeconds: (performance.now() - started) / 1000,
      });
    } finally {
      await fleet.dispose();
    }
  }
}

console.log(
  'State transitions per successful Server blue/green deployment (simulated fleets, compressed time)',
);
console.log(
  `  ${'instances'.padStart(9)}  ${'config'.padEnd(30)}  ${'executions'.padStart(10)}  ${'parent history'.padStart(14)}  ${'max history'.padStart(11)}  ${'transitions'.padStart(11)}  ${'per instance'.padStart(12)}  ${'cost'.padStart(9)}  ${'simulated'.padStart(9)}  ${'wall'.padStart(7)}`,
);
for (const row of rows) {
  console.log(
    `  ${String(row.instances).padStart(9)}  ${row.config.padEnd(30)}  ${String(row.executions).padStart(10)}  ${String(row.parentHistory).padStart(14)}  ${String(row.maxHistory).padStart(11)}  ${String(row.transitions).padStart(11)}  ${(row.transitions / row.instances).toFixed(1).padStart(12)}  ${`$${(row.transitions * USD_PER_TRANSITION).toFixed(5)}`.padStart(9)}  ${`${row.simulatedMinutes.toFixed(0)} min`.padStart(9)}  ${`${row.wallSeconds.toFixed(1)} s`.padStart(7)}`,
  );
}
