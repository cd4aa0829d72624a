import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ComputePlatform } from '../../functions/ports/records.js';
import type { StateChangeEvent } from '../../functions/ports/events.js';
import { DEFAULT_SETTINGS, type StepDeps, type StepSettings } from '../../functions/steps/deps.js';
import { onAlarmStateChange } from '../../functions/steps/on-alarm-state-change.js';
import { onCommandComplete } from '../../functions/steps/on-command-complete.js';
import { putLifecycleEventHookExecutionStatus } from '../../functions/steps/put-lifecycle-event-hook-execution-status.js';
import { stopDeployment } from '../../functions/steps/stop-deployment.js';
import { EmbeddedEngine, type EngineClock, type ExecutionOutcome } from '../engine/index.js';
import { startLocalDatabase, type LocalDatabase } from './dynalite.js';
import { stepHandlers } from './steps.js';

const statemachines = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'statemachines');

/** Which state machine runs a platform's deployments. */
export const STATE_MACHINES: Record<ComputePlatform, string | undefined> = {
  Lambda: 'lambda-deployment',
  Server: 'server-in-place',
  ECS: undefined,
};

/** Ports the caller supplies: the targets (simulated Lambda, local hosts, ...) differ per use. */
export type TargetPorts = Partial<
  Omit<StepDeps, 'store' | 'callbacks' | 'clock' | 'random' | 'executions' | 'events' | 'settings'>
>;

export interface LocalRuntimeOptions {
  clock: EngineClock;
  /** LevelDB directory for the records; in memory when absent. */
  databasePath?: string;
  ports: TargetPorts;
  settings?: Partial<StepSettings>;
}

export interface LocalRuntime {
  engine: EmbeddedEngine;
  database: LocalDatabase;
  deps: StepDeps;
  /** State-change events as the EventBridge bus would receive them. */
  events: StateChangeEvent[];
  /** Starts the deployment's execution (name = deployment id) and returns its outcome promise. */
  startDeployment: StepDeps['executions']['startDeployment'];
  outcome(deploymentId: string): Promise<ExecutionOutcome> | undefined;
  putLifecycleEventHookExecutionStatus: ReturnType<typeof putLifecycleEventHookExecutionStatus>;
  stopDeployment: ReturnType<typeof stopDeployment>;
  onAlarmStateChange: ReturnType<typeof onAlarmStateChange>;
  onCommandComplete: ReturnType<typeof onCommandComplete>;
  dispose(): Promise<void>;
}

function unavailable<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get: (_target, property) => () => {
      throw new Error(`The ${name} port is not available on this runtime (called ${String(property)}).`);
    },
  });
}

/**
 * The embedded runtime: the real state machines on the local interpreter, records in dynalite, and the
 * same steps and use cases the Lambda functions run, bound to local or simulated targets.
 */
export async function createLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const database = await startLocalDatabase(options.databasePath ? { path: options.databasePath } : {});
  const events: StateChangeEvent[] = [];
  const outcomes = new Map<string, Promise<ExecutionOutcome>>();
  // The handlers need the deps, and the deps need the engine's callbacks: resolve them per call.
  const ready: { deps?: StepDeps } = {};
  const engine = new EmbeddedEngine({
    clock: options.clock,
    handlers: stepHandlers(() => {
      if (!ready.deps) throw new Error('The runtime is not ready yet.');
      return ready.deps;
    }),
  });

  const startDeployment: StepDeps['executions']['startDeployment'] = async (platform, request) => {
    const machine = STATE_MACHINES[platform];
    if (!machine)
      throw new Error(`The embedded runtime has no state machine for ${platform} deployments yet.`);
    const { result } = engine.startExecution(machine, request.deploymentId, request);
    outcomes.set(request.deploymentId, result);
  };

  const ports = options.ports;
  const deps: StepDeps = {
    store: database.store,
    callbacks: engine.taskCallbacks,
    clock: options.clock,
    random: { bytes: (length) => new Uint8Array(randomBytes(length)) },
    events: { publish: async (event) => void events.push(event) },
    executions: { startDeployment },
    settings: { ...DEFAULT_SETTINGS, ...options.settings },
    lambda: ports.lambda ?? unavailable('Lambda alias'),
    alarms: ports.alarms ?? { describeAlarms: async () => new Map() },
    hooks: ports.hooks ?? unavailable('hook invoker'),
    transport: ports.transport ?? unavailable('instance transport'),
    loadBalancer: ports.loadBalancer ?? unavailable('load balancer'),
    revisions: ports.revisions ?? unavailable('revision source'),
  };
  ready.deps = deps;
  for (const machine of Object.values(STATE_MACHINES)) {
    if (machine) engine.register(machine, join(statemachines, `${machine}.asl.yaml`));
  }

  return {
    engine,
    database,
    deps,
    events,
    startDeployment,
    outcome: (deploymentId) => outcomes.get(deploymentId),
    putLifecycleEventHookExecutionStatus: putLifecycleEventHookExecutionStatus(deps),
    stopDeployment: stopDeployment(deps),
    onAlarmStateChange: onAlarmStateChange(deps),
    onCommandComplete: onCommandComplete(deps),
    async dispose() {
      await engine.dispose();
      await database.close();
    },
  };
}
