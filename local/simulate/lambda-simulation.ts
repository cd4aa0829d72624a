/**
 * A rehearsal of a Lambda deployment (`stepdeploy simulate`): the real state machine runs on the
 * embedded engine against the simulated Lambda service and alarms, in compressed time (a
 * VirtualClock), with the records in an in-memory database: nothing is written and no AWS account is
 * needed. Hooks answer, alarms fire and stops arrive at the simulated seconds asked for.
 */
import {
  validateAppSpec,
  type AppSpecIssue,
  type LambdaAppSpec,
} from '../../functions/domain/appspec/index.js';
import { LAMBDA_FLOW } from '../../functions/steps/prepare-lambda.js';
import { runSimulation, type Simulation, type SimulationOptions } from './run-simulation.js';

/** The simulated function gets every version up to the highest one the AppSpec names. */
export const MAX_SIMULATED_VERSION = 10_000;

export function parseLambdaAppSpec(text: string): { appSpec?: LambdaAppSpec; errors: AppSpecIssue[] } {
  const verdict = validateAppSpec(text, { platform: 'lambda' });
  return verdict.valid && verdict.appSpec?.platform === 'lambda'
    ? { appSpec: verdict.appSpec, errors: [] }
    : { errors: verdict.errors };
}

/**
 * Runs one Lambda deployment of `appSpec` on the embedded runtime in compressed time and reports
 * what happened, each entry stamped with simulated seconds since the start.
 */
export async function simulateLambdaDeployment(
  appSpecText: string,
  options: SimulationOptions,
): Promise<Simulation> {
  const { appSpec, errors } = parseLambdaAppSpec(appSpecText);
  if (!appSpec) throw new Error(`invalid Lambda AppSpec: ${errors.map((e) => e.message).join('; ')}`);
  // Loaded here, not at the top: every other command would pay for the runtime (dynalite, the SDK).
  const [{ VirtualClock }, { createLocalRuntime }, { SimulatedAlarms }, { SimulatedLambda }] =
    await Promise.all([
      import('../engine/index.js'),
      import('../runtime/runtime.js'),
      import('../simulated/alarms.js'),
      import('../simulated/lambda.js'),
    ]);
  const clock = new VirtualClock();
  const lambda = new SimulatedLambda(clock);
  const alarms = new SimulatedAlarms(clock);
  const { functionName, alias, currentVersion, targetVersion } = appSpec;
  lambda.createFunction(functionName);
  const highest = Math.max(Number(currentVersion), Number(targetVersion));
  for (let version = 1; version <= highest; version++) lambda.publishVersion(functionName);
  lambda.createAlias(functionName, alias, currentVersion);

  const runtime = await createLocalRuntime({ clock, ports: { lambda, hooks: lambda, alarms } });
  try {
    return await runSimulation({
      runtime,
      clock,
      lambda,
      alarms,
      appSpec,
      options,
      group: { computePlatform: 'Lambda' },
      observe: (recorder) => recorder.observe(runtime, lambda, appSpec),
      flow: LAMBDA_FLOW,
      revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpecText } },
    });
  } finally {
    await runtime.dispose();
    clock.dispose();
  }
}
