/**
 * Server in-place deployments to simulated fleets of 10, 100, 1,000 and 10,000 instances, with
 * CodeDeployDefault.OneAtATime, HalfAtATime and AllAtOnce, without and with a load balancer (a
 * simulated ELB target group with AWS's default timings: 300 s deregistration delay, health checks
 * every 30 s, healthy after 5). Each runs the real parent and child state machines and steps on the
 * embedded engine in compressed time; simulated instances take 2 s per lifecycle event.
 *
 * One row per deployment: the executions it took (the parent and its child executions), the largest
 * history of any of them (counted as Step Functions counts events, functions/domain/history-events.ts),
 * the state transitions of all of them (what Step Functions bills), the wall time, and its status.
 *
 *   npm run bench:scale                 a table
 *   npm run bench:scale -- --json       one JSON array, nothing else on stdout
 *   options: --instances 10,100  --configs OneAtATime,AllAtOnce  --store memory|dynalite
 *
 * Records live in this process's memory by default (functions/adapters/local/memory-store.ts):
 * DynamoDB's API on dynalite costs about 1 ms a call, and OneAtATime on 10,000 instances makes over
 * a million calls. `--store dynalite` runs the same on dynalite.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { openSimulatedFleet } from '../local/simulate/server-fleet.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

interface Row {
  instances: number;
  config: string;
  loadBalancer: boolean;
  executions: number;
  maxHistoryEvents: number;
  stateTransitions: number;
  wallSeconds: number;
  status: string;
  /** How long the deployment took in simulated time. */
  simulatedHours: number;
}

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    instances: { type: 'string', default: '10,100,1000,10000' },
    configs: { type: 'string', default: 'OneAtATime,HalfAtATime,AllAtOnce' },
    store: { type: 'string', default: 'memory' },
  },
});

const sizes = values.instances.split(',').map((n) => Number(n.trim()));
const configs = values.configs
  .split(',')
  .map((c) => `CodeDeployDefault.${c.trim().replace(/^CodeDeployDefault\./, '')}`);
const store = values.store === 'dynalite' ? 'dynalite' : 'memory';
if (
  sizes.some((n) => !Number.isInteger(n) || n < 1) ||
  (values.store !== 'memory' && values.store !== 'dynalite')
) {
  process.stderr.write(
    'usage: bench-scale [--json] [--instances 10,100] [--configs OneAtATime,AllAtOnce] [--store memory|dynalite]\n',
  );
  process.exit(2);
}

async function run(instances: number, config: string, loadBalancer: boolean): Promise<Row> {
  const started = performance.now();
  const fleet = await openSimulatedFleet({ instances, deploymentConfigName: config, loadBalancer, store });
  try {
    const result = await fleet.deploy('d-BENCH0001');
    return {
      instances,
      config,
      loadBalancer,
      executions: result.executions.length,
      maxHistoryEvents: Math.max(...result.executions.map((e) => e.historyEvents)),
      stateTransitions: result.executions.reduce((sum, e) => sum + e.stateTransitions, 0),
      wallSeconds: Math.round((performance.now() - started) / 100) / 10,
      status: result.record.status,
      simulatedHours: Math.round(result.simulatedSeconds / 360) / 10,
    };
  } finally {
    await fleet.dispose();
  }
}

const rows: Row[] = [];
for (const instances of sizes) {
  for (const config of configs) {
    for (const loadBalancer of [false, true]) {
      const row = await run(instances, config, loadBalancer);
      rows.push(row);
      if (!values.json) {
        process.stderr.write(
          `  ${instances} ${config} ${loadBalancer ? 'with' : 'without'} a load balancer: ${row.status} in ${row.wallSeconds} s\n`,
        );
      }
    }
  }
}

if (values.json) {
  process.stdout.write(`${JSON.stringify(rows)}\n`);
} else {
  const header = [
    'instances',
    'config',
    'loadBalancer',
    'executions',
    'maxHistoryEvents',
    'stateTransitions',
    'wallSeconds',
    'status',
    'simulatedHours',
  ];
  const cells = rows.map((row) => [
    String(row.instances),
    row.config.replace('CodeDeployDefault.', ''),
    row.loadBalancer ? 'yes' : 'no',
    String(row.executions),
    String(row.maxHistoryEvents),
    String(row.stateTransitions),
    row.wallSeconds.toFixed(1),
    row.status,
    row.simulatedHours.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]?.length ?? 0)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (i < 3 || i === 7 ? v.padEnd(widths[i] ?? 0) : v.padStart(widths[i] ?? 0)))
      .join('  ');
  process.stdout.write(`${line(header)}\n${cells.map(line).join('\n')}\n`);
  process.stdout.write(`records: ${store}; history limit per execution: 25,000 events\n`);
}
