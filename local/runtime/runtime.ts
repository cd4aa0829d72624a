import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dynamoDbControlPlaneStores } from '../../functions/adapters/aws/dynamodb-control-plane.js';
import { DynamoDbDeploymentConfigStore } from '../../functions/adapters/aws/dynamodb-deployment-configs.js';
import { DynamoDbOnPremisesInstanceStore } from '../../functions/adapters/aws/dynamodb-on-premises-instances.js';
import { LambdaAliasTrafficRouter } from '../../functions/adapters/aws/lambda-alias-router.js';
import { TargetGroupPairTrafficRouter } from '../../functions/adapters/aws/target-group-pair-router.js';
import { RegisteredInstancesDirectory } from '../../functions/adapters/aws/registered-instances-directory.js';
import { TargetRegistrationRouter } from '../../functions/adapters/aws/target-registration-router.js';
import type { FlowKey } from '../../functions/domain/flows.js';
import { allChildStateMachines, flowFor, FLOWS } from '../../functions/flows/registry.js';
import type { StateChangeEvent } from '../../functions/ports/events.js';
import { storeRoles, type DeploymentStore } from '../../functions/ports/deployment-store.js';
import type { Ports } from '../../functions/ports/ports.js';
import { routeByKind, type TrafficRouters } from '../../functions/ports/traffic-router.js';
import {
  DEFAULT_SETTINGS,
  type AppSpecValidator,
  type StepDeps,
  type StepSettings,
} from '../../functions/steps/deps.js';
import { onAlarmStateChange } from '../../functions/steps/on-alarm-state-change.js';
import { continueDeployment } from '../../functions/steps/continue-deployment.js';
import { onCommandComplete } from '../../functions/steps/on-command-complete.js';
import { onExecutionEnded } from '../../functions/steps/on-execution-ended.js';
import { putLifecycleEventHookExecutionStatus } from '../../functions/steps/put-lifecycle-event-hook-execution-status.js';
import { stopDeployment } from '../../functions/steps/stop-deployment.js';
import {
  EmbeddedEngine,
  loadStateMachine,
  stateMachineArn,
  validateDefinitionWith,
  type DefinitionValidator,
  type EngineClock,
  type ExecutionOutcome,
  type LoadedStateMachine,
} from '../engine/index.js';
import { startLocalDatabase, type LocalDatabase } from './dynalite.js';
import { stepHandlers } from './steps.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The engine's name for a flow's state machine: its ASL file's name (`lambda-deployment`). */
function machineName(stateMachine: string): string {
  return stateMachine.replace(/^.*\//, '').replace(/\.asl\.yaml$/, '');
}

/**
 * Ports the caller supplies: the targets (simulated Lambda, local hosts, local ECS, ...) differ per use.
 * Traffic moves through a router per route kind: a Lambda alias through the alias router over
 * `lambda`, an ECS target-group pair through the listener router over `listeners` (the routers the
 * AWS functions use over the Lambda and ELBv2 APIs), other kinds through `trafficRouters`.
 */
export type TargetPorts = Partial<
  Pick<
    Ports,
    | 'lambda'
    | 'ecs'
    | 'listeners'
    | 'alarms'
    | 'hooks'
    | 'transport'
    | 'instances'
    | 'loadBalancer'
    | 'fleet'
    | 'revisions'
  >
> & { trafficRouters?: TrafficRouters };

export interface LocalRuntimeOptions {
  clock: EngineClock;
  /** LevelDB directory for the records; in memory when absent. */
  databasePath?: string;
  ports: TargetPorts;
  settings?: Partial<StepSettings>;
  /** Where Prepare validates AppSpecs (the server: a worker thread); on the engine's thread otherwise. */
  appSpecs?: AppSpecValidator;
  /**
   * Where each flow's state machine is validated before its first deployment (the server: a worker
   * thread); on the engine's thread otherwise.
   */
  definitions?: DefinitionValidator;
  /** Validate and build every flow's machine now rather than at its first deployment (tests of the machines). */
  registerEagerly?: boolean;
  /**
   * The steps' records in this store instead of the database's (which still starts, empty, for
   * what reads it directly): `memoryDeploymentStore()` for rehearsals of very large fleets.
   */
  store?: DeploymentStore;
}

/** The steps' deps, and the whole store for the API and the CLI, which read across its roles. */
export type LocalDeps = StepDeps & { store: DeploymentStore };

export interface LocalRuntime {
  engine: EmbeddedEngine;
  database: LocalDatabase;
  deps: LocalDeps;
  /** State-change events as the EventBridge bus would receive them. */
  events: StateChangeEvent[];
  /** Starts the deployment's execution (name = deployment id) on its flow's state machine. */
  startDeployment: StepDeps['executions']['startDeployment'];
  outcome(deploymentId: string): Promise<ExecutionOutcome> | undefined;
  putLifecycleEventHookExecutionStatus: ReturnType<typeof putLifecycleEventHookExecutionStatus>;
  stopDeployment: ReturnType<typeof stopDeployment>;
  /** ContinueDeployment (READY_WAIT, TERMINATION_WAIT) of a blue/green deployment parked on its wait. */
  continueDeployment: ReturnType<typeof continueDeployment>;
  onAlarmStateChange: ReturnType<typeof onAlarmStateChange>;
  onCommandComplete: ReturnType<typeof onCommandComplete>;
  dispose(): Promise<void>;
}

/** A port this runtime was not given: any call says which one, rather than failing obscurely. */
function unavailable<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get: (_target, property) => () => {
      throw new Error(`The ${name} port is not available on this runtime (called ${String(property)}).`);
    },
  });
}

/**
 * The embedded runtime: every flow's state machine on the local interpreter, records in dynalite, and
 * the same steps and use cases the Lambda functions run, bound to local or simulated targets.
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

  // Each flow's machine is validated and built when its first deployment starts (about half a second
  // each, on `options.definitions`' thread when given): a server answers at once, and a process that
  // deploys one flow pays for that one only. Child machines come first: a flow's machine names them by
  // ARN (`${<Name>StateMachineArn}`).
  const registered = new Map<string, Promise<string>>();
  const validated = async (loaded: LoadedStateMachine): Promise<LoadedStateMachine> => {
    if (options.definitions) await validateDefinitionWith(loaded, options.definitions);
    return loaded;
  };
  let childArns: Promise<Record<string, string>> | undefined;
  const registerChildren = (): Promise<Record<string, string>> =>
    (childArns ??= (async () => {
      const arns: Record<string, string> = {};
      for (const child of allChildStateMachines()) {
        const name = machineName(child.stateMachine);
        engine.registerLoaded(name, await validated(loadStateMachine(join(ROOT, child.stateMachine))));
        arns[`${child.name}StateMachineArn`] = stateMachineArn(name);
      }
      return arns;
    })());
  const machineOf = (flow: FlowKey): Promise<string> => {
    const { stateMachine } = flowFor(flow);
    const name = machineName(stateMachine);
    let registering = registered.get(name);
    if (!registering) {
      registering = (async () => {
        const loaded = loadStateMachine(join(ROOT, stateMachine), await registerChildren());
        engine.registerLoaded(name, await validated(loaded));
        return name;
      })();
      // A failure is the deployment's that asked; the next one tries again.
      registering.catch(() => registered.delete(name));
      registered.set(name, registering);
    }
    return registering;
  };

  const ended = new Set<Promise<unknown>>();
  const startDeployment: StepDeps['executions']['startDeployment'] = async (flow, request) => {
    const stateMachine = await machineOf(flow);
    const { result } = engine.startExecution(stateMachine, request.deploymentId, request);
    // As the ExecutionEnded EventBridge rule does in AWS: an execution that ended without its Finish
    // (timed out, stopped, failed outside its Catch) has its deployment ended, its traffic restored
    // and its rollback started. A deployment that ended normally is left as it is.
    const settled = result.then(async (outcome) => {
      if (outcome.status === 'SUCCEEDED' || outcome.error === 'EngineDisposed' || !ready.deps) return;
      await onExecutionEnded(ready.deps)({
        executionArn: `${stateMachineArn(stateMachine).replace(':stateMachine:', ':execution:')}:${request.deploymentId}`,
        executionName: request.deploymentId,
        status: outcome.status,
        request,
      });
    });
    const tracked = settled.catch((error: unknown) => {
      process.emitWarning(
        `stepdeploy: ending the deployment ${request.deploymentId} failed: ${String(error)}`,
      );
    });
    ended.add(tracked);
    void tracked.finally(() => ended.delete(tracked));
    // The deployment's outcome is known once its end was handled, as a caller would see it.
    outcomes.set(
      request.deploymentId,
      tracked.then(() => result),
    );
  };

  const ports = options.ports;
  const store = options.store ?? database.store;
  const deps: LocalDeps = {
    store,
    ...storeRoles(store),
    callbacks: engine.taskCallbacks,
    clock: options.clock,
    random: { bytes: (length) => new Uint8Array(randomBytes(length)) },
    events: { publish: async (event) => void events.push(event) },
    executions: { startDeployment },
    settings: { ...DEFAULT_SETTINGS, ...options.settings },
    ...(options.appSpecs ? { appSpecs: options.appSpecs } : {}),
    traffic: routeByKind({
      ...(ports.lambda ? { LambdaAlias: new LambdaAliasTrafficRouter(ports.lambda) } : {}),
      ...(ports.listeners ? { TargetGroupPair: new TargetGroupPairTrafficRouter(ports.listeners) } : {}),
      ...(ports.loadBalancer ? { TargetRegistration: new TargetRegistrationRouter(ports.loadBalancer) } : {}),
      ...ports.trafficRouters,
    }),
    lambda: ports.lambda ?? unavailable('Lambda alias'),
    ecs: ports.ecs ?? unavailable('ECS task sets'),
    listeners: ports.listeners ?? unavailable('listeners'),
    alarms: ports.alarms ?? { describeAlarms: async () => new Map() },
    hooks: ports.hooks ?? unavailable('hook invoker'),
    transport: ports.transport ?? unavailable('instance transport'),
    // On one machine the registered on-premises instances are the hosts, which stand in for EC2
    // instances too (and a blue/green deployment's copy of an Auto Scaling group is hosts).
    instances:
      ports.instances ??
      new RegisteredInstancesDirectory(
        new DynamoDbOnPremisesInstanceStore(database.client, database.tableName),
        { ec2: 'hosts' },
      ),
    deploymentConfigs: new DynamoDbDeploymentConfigStore(database.client, database.tableName),
    controlPlane: dynamoDbControlPlaneStores(database.client, database.tableName),
    loadBalancer: ports.loadBalancer ?? unavailable('load balancer'),
    fleet: ports.fleet ?? unavailable('replacement fleet'),
    revisions: ports.revisions ?? unavailable('revision source'),
  };
  ready.deps = deps;
  if (options.registerEagerly) await Promise.all(FLOWS.map((flow) => machineOf(flow.key)));

  return {
    engine,
    database,
    deps,
    events,
    startDeployment,
    outcome: (deploymentId) => outcomes.get(deploymentId),
    putLifecycleEventHookExecutionStatus: putLifecycleEventHookExecutionStatus(deps),
    stopDeployment: stopDeployment(deps),
    continueDeployment: continueDeployment(deps),
    onAlarmStateChange: onAlarmStateChange(deps),
    onCommandComplete: onCommandComplete(deps),
    async dispose() {
      await engine.dispose();
      await Promise.allSettled([...ended]);
      await database.close();
    },
  };
}
