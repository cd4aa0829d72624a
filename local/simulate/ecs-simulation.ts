/**
 * A rehearsal of an ECS blue/green deployment (`stepdeploy simulate` with an ECS AppSpec): the real
 * state machine on the embedded engine against the local ECS model with simulated tasks (no
 * process runs) and simulated listeners, in compressed time, records in memory. The service runs
 * two tasks of its current version in the target group `blue`; the production and test listeners
 * forward to it. The replacement's tasks run 5 simulated seconds after Install and pass their health
 * checks 10 seconds later; each hook function answers 2 seconds after it is invoked.
 */
import { dirname, resolve } from 'node:path';
import { validateAppSpec, type AppSpecIssue, type EcsAppSpec } from '../../functions/domain/appspec/index.js';
import { ECS_FLOW } from '../../functions/steps/prepare-ecs.js';
import { runSimulation, type Simulation, type SimulationOptions } from './run-simulation.js';

const CLUSTER = 'simulate';
const SERVICE = 'service';
const PRODUCTION = 'arn:aws:elasticloadbalancing:simulate:000000000000:listener/app/simulate/production';
const TEST = 'arn:aws:elasticloadbalancing:simulate:000000000000:listener/app/simulate/test';

export interface EcsSimulationOptions extends SimulationOptions {
  /** Without a test listener AllowTestTraffic does not run and the AfterAllowTestTraffic hook is ignored. */
  testListener?: boolean;
  /** Tasks per task set. Default 2. */
  desiredCount?: number;
}

export function parseEcsAppSpec(text: string): { appSpec?: EcsAppSpec; errors: AppSpecIssue[] } {
  const verdict = validateAppSpec(text, { platform: 'ecs' });
  return verdict.valid && verdict.appSpec?.platform === 'ecs'
    ? { appSpec: verdict.appSpec, errors: [] }
    : { errors: verdict.errors };
}

/**
 * Runs one ECS deployment of the AppSpec at `appSpecFile` in compressed time and reports what
 * happened. A TaskDefinition that is a task-definition file (relative to the AppSpec) is read from
 * it; any other is taken as given, with the AppSpec's container and port.
 */
export async function simulateEcsDeployment(
  appSpecText: string,
  appSpecFile: string,
  options: EcsSimulationOptions,
): Promise<Simulation> {
  const { appSpec, errors } = parseEcsAppSpec(appSpecText);
  if (!appSpec) throw new Error(`invalid ECS AppSpec: ${errors.map((e) => e.message).join('; ')}`);
  const [
    { VirtualClock },
    { createLocalRuntime },
    { SimulatedAlarms },
    { SimulatedLambda },
    ecsModule,
    simulated,
  ] = await Promise.all([
    import('../engine/index.js'),
    import('../runtime/runtime.js'),
    import('../simulated/alarms.js'),
    import('../simulated/lambda.js'),
    import('../ecs/local-ecs.js'),
    import('../simulated/ecs.js'),
  ]);
  const clock = new VirtualClock();
  const lambda = new SimulatedLambda(clock);
  const alarms = new SimulatedAlarms(clock);
  const listeners = new simulated.SimulatedListeners(clock);
  const ecs = new ecsModule.LocalEcs({
    runner: new simulated.SimulatedTaskRunner(clock),
    targets: listeners,
  });
  const container = {
    name: appSpec.containerName,
    image: process.cwd(),
    argv: ['simulated'],
    containerPorts: [appSpec.containerPort],
    environment: {},
    essential: true,
  };
  const file = /\.json$/i.test(appSpec.taskDefinition);
  if (!file) ecs.taskDefinitions.registerAs(appSpec.taskDefinition, { containers: [container] });
  const current = ecs.taskDefinitions.registerAs('simulate-current:1', { containers: [container] });
  const testListener = options.testListener ?? true;
  const original = [
    { targetGroup: 'blue', weight: 1 },
    { targetGroup: 'green', weight: 0 },
  ];
  listeners.createListener(PRODUCTION, original);
  if (testListener) listeners.createListener(TEST, original);
  ecs.createService({
    cluster: CLUSTER,
    serviceName: SERVICE,
    desiredCount: options.desiredCount ?? 2,
    taskDefinition: current.taskDefinitionArn,
    targetGroup: 'blue',
    containerName: appSpec.containerName,
    containerPort: appSpec.containerPort,
  });

  const runtime = await createLocalRuntime({
    clock,
    ports: { ecs, listeners, hooks: lambda, alarms },
    settings: { trafficPollSeconds: 5, trafficTimeoutSeconds: 3600 },
  });
  try {
    return await runSimulation({
      runtime,
      clock,
      lambda,
      alarms,
      appSpec,
      options,
      group: {
        computePlatform: 'ECS',
        deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
        ecsServices: [{ clusterName: CLUSTER, serviceName: SERVICE }],
        loadBalancerInfo: {
          targetGroupPairInfoList: [
            {
              targetGroups: [{ name: 'blue' }, { name: 'green' }],
              prodTrafficRoute: { listenerArns: [PRODUCTION] },
              ...(testListener ? { testTrafficRoute: { listenerArns: [TEST] } } : {}),
            },
          ],
        },
      },
      // The service's first tasks start and pass their checks before the deployment (no timeline yet).
      settle: async () => {
        while (clock.busyCount > 0 || clock.pendingTimers > 0) await new Promise((r) => setImmediate(r));
      },
      observe: (recorder) => {
        recorder.observeExecution(runtime);
        recorder.observeListeners(listeners, {
          production: PRODUCTION,
          ...(testListener ? { test: TEST } : {}),
          original: 'blue',
          replacement: 'green',
        });
      },
      flow: ECS_FLOW,
      revision: file
        ? {
            revisionType: 'AppSpecContent',
            appSpecContent: { content: appSpecText },
            localDirectory: dirname(resolve(appSpecFile)),
          }
        : { revisionType: 'AppSpecContent', appSpecContent: { content: appSpecText } },
    });
  } finally {
    await runtime.dispose();
    clock.dispose();
  }
}
