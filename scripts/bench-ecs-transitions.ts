/**
 * Prints the Step Functions state transitions of one successful ECS blue/green deployment (what a
 * Standard workflow bills) for three predefined configs, with and without a test listener, and the
 * wall time of a simulated canary. The deployments run as `stepdeploy simulate` runs them: the real
 * state machine on the embedded engine in compressed time, against simulated tasks (running 5 s after
 * Install, healthy 10 s later: four looks at the replacement, 5 s apart) and simulated listeners,
 * with the one AfterAllowTestTraffic hook of examples/ecs/v2/appspec.yaml.
 *
 *   npx tsx scripts/bench-ecs-transitions.ts      (or: npm run bench:ecs)
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { simulateEcsDeployment } from '../local/simulate/ecs-simulation.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const CONFIGS = [
  'CodeDeployDefault.ECSAllAtOnce',
  'CodeDeployDefault.ECSCanary10Percent5Minutes',
  'CodeDeployDefault.ECSLinear10PercentEvery1Minutes',
];
const CANARY = 'CodeDeployDefault.ECSCanary10Percent5Minutes';
const RUNS = 5;
/** Step Functions Standard: $0.025 per 1,000 state transitions (reference/platform-facts.md). */
const USD_PER_TRANSITION = 0.025 / 1000;

const file = fileURLToPath(new URL('../examples/ecs/v2/appspec.yaml', import.meta.url));
const appSpec = readFileSync(file, 'utf8');

async function deploy(deploymentConfigName: string, testListener = true) {
  const { report } = await simulateEcsDeployment(appSpec, file, { deploymentConfigName, testListener });
  if (report.status !== 'Succeeded') {
    throw new Error(`${deploymentConfigName}: the deployment ended ${report.status} (${report.errorCode})`);
  }
  return report;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

for (const testListener of [true, false]) {
  console.log(
    `State transitions per successful ECS deployment (${testListener ? 'with a test listener and its AfterAllowTestTraffic hook' : 'no test listener: the hook is ignored'})`,
  );
  for (const config of CONFIGS) {
    const report = await deploy(config, testListener);
    const simulated = report.timeline.at(-1)?.atSeconds ?? 0;
    const cost = (report.stateTransitions * USD_PER_TRANSITION).toFixed(6);
    console.log(
      `  ${config.padEnd(52)} ${String(report.stateTransitions).padStart(3)} transitions  ($${cost}; ${simulated} s simulated)`,
    );
  }
}

await deploy(CANARY);
const wallMs: number[] = [];
for (let run = 0; run < RUNS; run++) {
  const started = performance.now();
  await deploy(CANARY);
  wallMs.push(performance.now() - started);
}
console.log(
  `Wall time of a simulated ${CANARY} (in-memory database, engine, simulated tasks and listeners), ${RUNS} runs after one warm-up:`,
);
console.log(
  `  median ${median(wallMs).toFixed(0)} ms (runs: ${wallMs.map((ms) => ms.toFixed(0)).join(', ')} ms)`,
);
