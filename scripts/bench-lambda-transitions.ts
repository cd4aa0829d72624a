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
import { simulateLambdaDeployment } from '../local/simulate/lambda-simulation.js';
import { printWallTime, transitionsLine } from './bench-figures.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const CONFIGS = [
  'CodeDeployDefault.LambdaAllAtOnce',
  'CodeDeployDefault.LambdaCanary10Percent5Minutes',
  'CodeDeployDefault.LambdaLinear10PercentEvery1Minute',
];
const CANARY = 'CodeDeployDefault.LambdaCanary10Percent5Minutes';
const RUNS = 5;

const appSpec = readFileSync(new URL('../examples/lambda/appspec.yml', import.meta.url), 'utf8');

async function deploy(deploymentConfigName: string) {
  const { report } = await simulateLambdaDeployment(appSpec, { deploymentConfigName });
  // A figure for a failed deployment would measure the wrong path.
  if (report.status !== 'Succeeded') {
    throw new Error(`${deploymentConfigName}: the deployment ended ${report.status} (${report.errorCode})`);
  }
  return report;
}

console.log(
  'State transitions per successful Lambda deployment (BeforeAllowTraffic + AfterAllowTraffic hooks)',
);
for (const config of CONFIGS) {
  console.log(transitionsLine(config, await deploy(config)));
}

await printWallTime(
  `Wall time of a simulated ${CANARY} (in-memory database, engine and simulated Lambda included)`,
  RUNS,
  () => deploy(CANARY),
);
