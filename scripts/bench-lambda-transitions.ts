/**
 * Prints the Step Functions state transitions of one successful Lambda deployment (what a Standard
 * workflow bills) for three predefined configs, and the wall time of a simulated canary. The
 * deployments run as `stepdeploy simulate` runs them: the real state machine on the embedded engine,
 * in compressed time, with one BeforeAllowTraffic and one AfterAllowTraffic hook
 * (examples/lambda/appspec.yml).
 *
 *   npx tsx scripts/bench-lambda-transitions.ts      (or: npm run bench:lambda)
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { simulateLambdaDeployment } from '../local/simulate/lambda-simulation.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const CONFIGS = [
  'CodeDeployDefault.LambdaAllAtOnce',
  'CodeDeployDefault.LambdaCanary10Percent5Minutes',
  'CodeDeployDefault.LambdaLinear10PercentEvery1Minute',
];
const CANARY = 'CodeDeployDefault.LambdaCanary10Percent5Minutes';
const RUNS = 5;
/** Step Functions Standard: $0.025 per 1,000 state transitions (reference/platform-facts.md). */
const USD_PER_TRANSITION = 0.025 / 1000;

const appSpec = readFileSync(new URL('../examples/lambda/appspec.yml', import.meta.url), 'utf8');

async function deploy(deploymentConfigName: string) {
  const { report } = await simulateLambdaDeployment(appSpec, { deploymentConfigName });
  // A figure for a failed deployment would measure the wrong path.
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

console.log(
  'State transitions per successful Lambda deployment (BeforeAllowTraffic + AfterAllowTraffic hooks)',
);
for (const config of CONFIGS) {
  const report = await deploy(config);
  const simulated = report.timeline.at(-1)?.atSeconds ?? 0;
  const cost = (report.stateTransitions * USD_PER_TRANSITION).toFixed(6);
  console.log(
    `  ${config.padEnd(52)} ${String(report.stateTransitions).padStart(3)} transitions  ($${cost}; ${simulated} s simulated)`,
  );
}

// The first run also pays for loading the modules and building the state machine; it is not counted.
await deploy(CANARY);
const wallMs: number[] = [];
for (let run = 0; run < RUNS; run++) {
  const started = performance.now();
  await deploy(CANARY);
  wallMs.push(performance.now() - started);
}
console.log(
  `Wall time of a simulated ${CANARY} (in-memory database, engine and simulated Lambda included), ${RUNS} runs after one warm-up:`,
);
console.log(
  `  median ${median(wallMs).toFixed(0)} ms (runs: ${wallMs.map((ms) => ms.toFixed(0)).join(', ')} ms)`,
);
