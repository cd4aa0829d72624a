/**
 * A Server in-place deployment to a simulated fleet of any size, in compressed time: the real parent
 * and child state machines and steps on the embedded engine, the records in dynalite (in memory),
 * simulated instances behind the SSM transport port and, optionally, a simulated ELB target group
 * with AWS's default timings. What the benchmark (`npm run bench:scale`) and the scale tests run.
 */
import { memoryDeploymentStore } from '../../functions/adapters/local/memory-store.js';
import type { FlowKey } from '../../functions/domain/flows.js';
import { SERVER_SCRIPTABLE_EVENTS } from '../../functions/domain/lifecycle.js';
import type { BundleEntry, RevisionSourcePort } from '../../functions/ports/revision-source.js';
import type { StepSettings } from '../../functions/steps/deps.js';
import { SERVER_IN_PLACE_FLOW } from '../../functions/steps/prepare-server-in-place.js';
import type { DeploymentGroupRecord, DeploymentRecord } from '../../functions/ports/records.js';
import { VirtualClock, type ExecutionSummary } from '../engine/index.js';
import { createLocalRuntime, type LocalRuntime } from '../runtime/runtime.js';
import { SimulatedInstanceTransport, type SimulatedFleetOptions } from '../simulated/instances.js';
import { SimulatedLoadBalancer } from '../simulated/load-balancer.js';

export const FLEET_APPLICATION = 'fleet';
export const FLEET_GROUP = 'web';
export const FLEET_TARGET_GROUP = 'web-tg';

/** The fleet's deployment group, in-place or blue/green: its record's keys. */
export const FLEET_GROUP_RECORD = {
  applicationName: FLEET_APPLICATION,
  deploymentGroupName: FLEET_GROUP,
  deploymentGroupId: 'fleet-web',
  computePlatform: 'Server',
} as const satisfies Partial<DeploymentGroupRecord>;

const APPSPEC = [
  'version: 0.0',
  'os: linux',
  'files:',
  '  - source: app',
  '    destination: /opt/app',
  'hooks:',
  // Every scriptable event has a hook, so every event of the flow runs a command.
  ...SERVER_SCRIPTABLE_EVENTS.flatMap((event) => [
    `  ${event}:`,
    '    - location: scripts/hook.sh',
    '      timeout: 300',
  ]),
  '',
].join('\n');

/** A revision that is only its AppSpec and one script: nothing of it reaches a simulated instance. */
export const fleetRevisions: RevisionSourcePort = {
  async readRevision() {
    const entries: BundleEntry[] = [
      { path: 'appspec.yml', type: 'file' },
      { path: 'app', type: 'directory' },
      { path: 'app/index.html', type: 'file' },
      { path: 'scripts', type: 'directory' },
      { path: 'scripts/hook.sh', type: 'file' },
    ];
    return { bundleType: 'directory', entries, appSpecText: APPSPEC, appSpecPath: 'appspec.yml' };
  },
  async bundleLocation() {
    return { location: '/simulated/revision', bundleType: 'directory' };
  },
  async readAppSpecFile(): Promise<string> {
    throw new Error('a Server revision is a bundle');
  },
};

/** Instance ids of a simulated fleet, shaped like EC2's. */
export function fleetInstanceIds(count: number): string[] {
  return Array.from({ length: count }, (_, k) => `i-${k.toString(16).padStart(17, '0')}`);
}

export interface FleetOptions {
  instances: number;
  deploymentConfigName: string;
  loadBalancer: boolean;
  /** Per-event duration and failures of the simulated instances. */
  fleet?: Omit<SimulatedFleetOptions, 'timers'>;
  /** Instances ELBv2 refuses to register (stopped). */
  stoppedInstances?: readonly string[];
  settings?: Partial<StepSettings>;
  /** Where the records live: DynamoDB's API on dynalite (default), or this process's memory. */
  store?: 'dynalite' | 'memory';
  /** Before the deployment: the group's record (health, last success) may be adjusted. */
  group?: Partial<DeploymentGroupRecord>;
}

export interface FleetRun {
  deploymentId: string;
  record: DeploymentRecord;
  /** The parent and every child execution of the deployment. */
  executions: ExecutionSummary[];
  simulatedSeconds: number;
  transport: SimulatedInstanceTransport;
  loadBalancer?: SimulatedLoadBalancer;
  runtime: LocalRuntime;
}

/** An open simulated fleet: run deployments on it, then dispose of it. */
export interface SimulatedFleet {
  runtime: LocalRuntime;
  clock: VirtualClock;
  transport: SimulatedInstanceTransport;
  loadBalancer?: SimulatedLoadBalancer;
  instanceIds: string[];
  deploy(deploymentId: string): Promise<FleetRun>;
  dispose(): Promise<void>;
}

export async function openSimulatedFleet(options: FleetOptions): Promise<SimulatedFleet> {
  const clock = new VirtualClock({ startMs: Date.parse('2026-01-05T09:00:00Z') });
  const transport = new SimulatedInstanceTransport({ timers: clock, ...options.fleet });
  const instanceIds = fleetInstanceIds(options.instances);
  const loadBalancer = options.loadBalancer ? new SimulatedLoadBalancer(clock) : undefined;
  loadBalancer?.createTargetGroup(FLEET_TARGET_GROUP, instanceIds);
  for (const id of options.stoppedInstances ?? []) loadBalancer?.stopped.add(id);
  const runtime = await createLocalRuntime({
    clock,
    ports: {
      transport,
      revisions: fleetRevisions,
      ...(loadBalancer ? { loadBalancer } : {}),
    },
    settings: { ...options.settings },
    ...(options.store === 'memory' ? { store: memoryDeploymentStore() } : {}),
  });
  transport.onComplete((commandId) => runtime.onCommandComplete(commandId));
  await runtime.deps.store.putDeploymentGroup({
    ...FLEET_GROUP_RECORD,
    deploymentConfigName: options.deploymentConfigName,
    instanceIds,
    ...(loadBalancer ? { targetGroupNames: [FLEET_TARGET_GROUP] } : {}),
    ...options.group,
  });
  return {
    runtime,
    clock,
    transport,
    ...(loadBalancer ? { loadBalancer } : {}),
    instanceIds,
    async deploy(deploymentId) {
      const started = clock.nowMs();
      const run = await runFleetDeployment(runtime, SERVER_IN_PLACE_FLOW, deploymentId);
      return {
        deploymentId,
        record: run.record,
        executions: run.executions,
        simulatedSeconds: (run.stoppedAtMs - started) / 1000,
        transport,
        ...(loadBalancer ? { loadBalancer } : {}),
        runtime,
      };
    },
    dispose: () => runtime.dispose(),
  };
}

/** Runs one deployment of the fleet's revision to its end: its record and its executions. */
export async function runFleetDeployment(
  runtime: LocalRuntime,
  flow: FlowKey,
  deploymentId: string,
): Promise<{ record: DeploymentRecord; executions: ExecutionSummary[]; stoppedAtMs: number }> {
  await runtime.startDeployment(flow, {
    deploymentId,
    applicationName: FLEET_APPLICATION,
    deploymentGroupName: FLEET_GROUP,
    // fleetRevisions answers for any location: the bucket names nothing real.
    revision: {
      revisionType: 'S3',
      s3Location: { bucket: 'simulated', key: 'revision.tgz', bundleType: 'tgz' },
    },
  });
  const outcome = await runtime.outcome(deploymentId);
  if (!outcome) throw new Error(`The deployment ${deploymentId} did not start.`);
  // The rollback deployment, if one follows, is another deployment: only this one's executions.
  const executions = runtime.engine
    .executions()
    .filter((e) => e.executionName === deploymentId || e.parent?.executionName === deploymentId);
  const record = await runtime.deps.deployments.getDeployment(deploymentId);
  if (!record) throw new Error(`The deployment ${deploymentId} has no record.`);
  return { record, executions, stoppedAtMs: outcome.stoppedAtMs };
}
