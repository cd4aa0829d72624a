/**
 * Server blue/green deployments to a simulated fleet of any size, in compressed time: the real parent
 * and child state machines and steps on the embedded engine, records in dynalite (in memory),
 * simulated instances behind the SSM transport port, a simulated ELB target group, and a simulated
 * Auto Scaling that copies the group's Auto Scaling group. What `npm run bench:blue-green` and the
 * blue/green engine tests run.
 */
import type { BlueGreenDeploymentConfiguration } from '../../functions/domain/codedeploy-shapes.js';
import type { AlarmsPort } from '../../functions/ports/alarms.js';
import type { DeploymentGroupRecord, DeploymentRecord } from '../../functions/ports/records.js';
import type { StepSettings } from '../../functions/steps/deps.js';
import { SERVER_BLUE_GREEN_FLOW } from '../../functions/steps/prepare-server-blue-green.js';
import { VirtualClock, type ExecutionSummary } from '../engine/index.js';
import { createLocalRuntime, type LocalRuntime } from '../runtime/runtime.js';
import type { TargetGroupTimings } from '../../functions/domain/target-polls.js';
import { SimulatedInstanceTransport, type SimulatedFleetOptions } from '../simulated/instances.js';
import { SimulatedLoadBalancer } from '../simulated/load-balancer.js';
import { SimulatedReplacementFleet } from '../simulated/replacement-fleet.js';
import {
  FLEET_GROUP_RECORD,
  FLEET_TARGET_GROUP,
  fleetInstanceIds,
  fleetRevisions,
  runFleetDeployment,
} from './server-fleet.js';

export const FLEET_AUTO_SCALING_GROUP = 'web-asg';

export interface BlueGreenFleetOptions {
  instances: number;
  deploymentConfigName: string;
  blueGreen: BlueGreenDeploymentConfiguration;
  fleet?: Omit<SimulatedFleetOptions, 'timers'>;
  /** The target group's timings (AWS's defaults when absent). */
  timings?: TargetGroupTimings;
  launchSeconds?: number;
  settings?: Partial<StepSettings>;
  group?: Partial<DeploymentGroupRecord>;
  /** The alarms the group's alarm configuration names (none in ALARM by default). */
  alarms?: AlarmsPort;
}

export interface BlueGreenRun {
  deploymentId: string;
  record: DeploymentRecord;
  executions: ExecutionSummary[];
  stateTransitions: number;
  simulatedSeconds: number;
}

export interface SimulatedBlueGreenFleet {
  runtime: LocalRuntime;
  clock: VirtualClock;
  transport: SimulatedInstanceTransport;
  loadBalancer: SimulatedLoadBalancer;
  autoScaling: SimulatedReplacementFleet;
  originals: string[];
  /** Starts a deployment; `done` resolves with its end (and all its executions). */
  start(deploymentId: string): { done: Promise<BlueGreenRun> };
  deploy(deploymentId: string): Promise<BlueGreenRun>;
  dispose(): Promise<void>;
}

export async function openSimulatedBlueGreenFleet(
  options: BlueGreenFleetOptions,
): Promise<SimulatedBlueGreenFleet> {
  const clock = new VirtualClock({ startMs: Date.parse('2026-01-05T09:00:00Z') });
  const transport = new SimulatedInstanceTransport({ timers: clock, ...options.fleet });
  const originals = fleetInstanceIds(options.instances);
  const loadBalancer = new SimulatedLoadBalancer(clock, options.timings);
  loadBalancer.createTargetGroup(FLEET_TARGET_GROUP, originals);
  const autoScaling = new SimulatedReplacementFleet(clock, options.launchSeconds);
  const runtime = await createLocalRuntime({
    clock,
    ports: {
      transport,
      revisions: fleetRevisions,
      loadBalancer,
      fleet: autoScaling,
      ...(options.alarms ? { alarms: options.alarms } : {}),
    },
    settings: { ...options.settings },
  });
  transport.onComplete((commandId) => runtime.onCommandComplete(commandId));
  await runtime.deps.store.putDeploymentGroup({
    ...FLEET_GROUP_RECORD,
    deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
    deploymentConfigName: options.deploymentConfigName,
    instanceIds: originals,
    autoScalingGroups: [{ name: FLEET_AUTO_SCALING_GROUP }],
    targetGroupNames: [FLEET_TARGET_GROUP],
    blueGreenDeploymentConfiguration: options.blueGreen,
    ...options.group,
  });
  const start = (deploymentId: string) => {
    const started = clock.nowMs();
    const done = (async (): Promise<BlueGreenRun> => {
      const run = await runFleetDeployment(runtime, SERVER_BLUE_GREEN_FLOW, deploymentId);
      return {
        deploymentId,
        record: run.record,
        executions: run.executions,
        stateTransitions: run.executions.reduce((sum, e) => sum + (e.stateTransitions ?? 0), 0),
        simulatedSeconds: (run.stoppedAtMs - started) / 1000,
      };
    })();
    return { done };
  };
  return {
    runtime,
    clock,
    transport,
    loadBalancer,
    autoScaling,
    originals,
    start,
    deploy: (deploymentId) => start(deploymentId).done,
    dispose: () => runtime.dispose(),
  };
}
