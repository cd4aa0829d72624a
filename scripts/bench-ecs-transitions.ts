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
import { simulateEcsDeployment } from '../local/simulate/ecs-simulation.js';
import { printWallTime, transitionsLine } from './bench-figures.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const CONFIGS = [
  'CodeDeployDefault.ECSAllAtOnce',
  'CodeDeployDefault.ECSCanary10Percent5Minutes',
  'CodeDeployDefault.ECSLinear10PercentEvery1Minutes',
];
const CANARY = 'CodeDeployDefault.ECSCanary10Percent5Minutes';
const RUNS = 5;

const file = fileURLToPath(new URL('../examples/ecs/v2/appspec.yaml', import.meta.url));
const appSpec = readFileSync(file, 'utf8');

async function deploy(deploymentConfigName: string, testListener = true) {
  const { report } = await simulateEcsDeployment(appSpec, file, { deploymentConfigName, testListener });
  if (report.status !== 'Succeeded') {
    throw new Error(`${deploymentConfigName}: the deployment ended ${report.status} (${report.errorCode})`);
  }
  return report;
}

for (const testListener of [true, false]) {
  console.log(
    `State transitions per successful ECS deployment (${testListener ? 'with a test listener and its AfterAllowTestTraffic hook' : 'no test listener: the hook is ignored'})`,
  );
  for (const config of CONFIGS) {
    console.log(transitionsLine(config, await deploy(config, testListener)));
  }
}

await printWallTime(
  `Wall time of a simulated ${CANARY} (in-memory database, engine, simulated tasks and listeners)`,
  RUNS,
  () => deploy(CANARY),
);
