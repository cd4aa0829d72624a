/**
 * The flow registry: one declaration per flow (a compute platform deployed one way), holding its state
 * machine, its Prepare and the steps its Tasks run, each with the ports it uses. Everything that
 * differs per flow reads it: the CDK stack (a state machine per flow, a function per step, the
 * permissions of each), the embedded runtime (the machines it registers, the steps it binds), the
 * handler entry files (generated from it) and the executions port (which machine runs a deployment).
 * Adding a flow is adding its declaration here, with its state machine file and its steps.
 */
import { UnsupportedDeploymentFlowError } from '../domain/deployment-errors.js';
import { flowId, sameFlow, type FlowId, type FlowKey } from '../domain/flows.js';
import { AllowTestTraffic } from '../steps/allow-test-traffic.js';
import { AllowTraffic } from '../steps/allow-traffic.js';
import { Bake } from '../steps/bake.js';
import { BlockTraffic } from '../steps/block-traffic.js';
import { BlueGreenWait } from '../steps/blue-green-wait.js';
import { CheckTargets } from '../steps/check-targets.js';
import { CollectEventResults } from '../steps/collect-event-results.js';
import { CreateTaskSet } from '../steps/create-task-set.js';
import { DeleteOriginalTaskSet } from '../steps/delete-original-task-set.js';
import type { AnyStepSpec } from '../steps/deps.js';
import { Finish } from '../steps/finish.js';
import { NextBatch } from '../steps/next-batch.js';
import { ECS_FLOW, PrepareEcs } from '../steps/prepare-ecs.js';
import { LAMBDA_FLOW, PrepareLambda } from '../steps/prepare-lambda.js';
import { PrepareServerInPlace, SERVER_IN_PLACE_FLOW } from '../steps/prepare-server-in-place.js';
import { PrepareServerBlueGreen, SERVER_BLUE_GREEN_FLOW } from '../steps/prepare-server-blue-green.js';
import { ProvisionReplacements } from '../steps/provision-replacements.js';
import { NextBlueGreenPhase } from '../steps/next-blue-green-phase.js';
import { RetireOriginals } from '../steps/retire-originals.js';
import { RemoveReplacements } from '../steps/remove-replacements.js';
import { RecordBatch } from '../steps/record-batch.js';
import { RestoreTaskSets } from '../steps/restore-task-sets.js';
import { Rollback } from '../steps/rollback.js';
import { RunHook } from '../steps/run-hook.js';
import { RunLifecycleEvent } from '../steps/run-lifecycle-event.js';
import { SetPrimaryTaskSet } from '../steps/set-primary-task-set.js';
import { ShiftTraffic } from '../steps/shift-traffic.js';
import { StartRollbackDeployment } from '../steps/start-rollback-deployment.js';
import { WaitForTaskSet } from '../steps/wait-for-task-set.js';

/**
 * A state machine a flow's machine runs as child executions (`states:startExecution.sync:2`, its
 * ARN substituted for `${<Name>StateMachineArn}`), so that no execution's history grows with the
 * fleet: the Server batches, reusable by any flow that installs a revision on a queue of instances.
 */
export interface ChildStateMachine {
  /** Its construct id and name suffix; in kebab case, its ASL file's name. */
  readonly name: string;
  readonly stateMachine: string;
  /** The Tasks it runs (`${<Name>FunctionArn}`). */
  readonly steps: readonly AnyStepSpec[];
}

export interface FlowDeclaration {
  /** Its state machine's construct id and name suffix; in kebab case, its ASL file's name. */
  readonly name: string;
  readonly key: FlowKey;
  /** The ASL file, relative to the repository root. */
  readonly stateMachine: string;
  /** Its first state: records the deployment, takes the lock, checks everything before any target moves. */
  readonly prepare: AnyStepSpec;
  /** Every other Task its state machine runs (`${<Name>FunctionArn}`). */
  readonly steps: readonly AnyStepSpec[];
  /** The machines it starts as child executions, with their own steps. */
  readonly children?: readonly ChildStateMachine[];
}

/** The Server batches: instances taken from the deployment's queues by minimum healthy hosts, event by event. */
export const SERVER_BATCHES = {
  name: 'ServerBatches',
  stateMachine: 'statemachines/server-batches.asl.yaml',
  steps: [
    NextBatch,
    RunLifecycleEvent,
    CollectEventResults,
    BlockTraffic,
    AllowTraffic,
    CheckTargets,
    RecordBatch,
  ],
} as const satisfies ChildStateMachine;

export const FLOWS = [
  {
    name: 'LambdaDeployment',
    key: LAMBDA_FLOW,
    stateMachine: 'statemachines/lambda-deployment.asl.yaml',
    prepare: PrepareLambda,
    steps: [RunHook, ShiftTraffic, Bake, Rollback, Finish],
  },
  {
    name: 'ServerInPlace',
    key: SERVER_IN_PLACE_FLOW,
    stateMachine: 'statemachines/server-in-place.asl.yaml',
    prepare: PrepareServerInPlace,
    steps: [Rollback, Finish, StartRollbackDeployment],
    children: [SERVER_BATCHES],
  },
  {
    name: 'ServerBlueGreen',
    key: SERVER_BLUE_GREEN_FLOW,
    stateMachine: 'statemachines/server-blue-green.asl.yaml',
    prepare: PrepareServerBlueGreen,
    steps: [
      ProvisionReplacements,
      NextBlueGreenPhase,
      BlueGreenWait,
      RetireOriginals,
      Rollback,
      RemoveReplacements,
      Finish,
    ],
    children: [SERVER_BATCHES],
  },
  {
    name: 'EcsBlueGreen',
    key: ECS_FLOW,
    stateMachine: 'statemachines/ecs-blue-green.asl.yaml',
    prepare: PrepareEcs,
    steps: [
      RunHook,
      CreateTaskSet,
      WaitForTaskSet,
      AllowTestTraffic,
      BlueGreenWait,
      ShiftTraffic,
      Bake,
      SetPrimaryTaskSet,
      DeleteOriginalTaskSet,
      Rollback,
      RestoreTaskSets,
      Finish,
    ],
  },
] as const satisfies readonly FlowDeclaration[];

export type Flow = (typeof FLOWS)[number];
export type FlowName = Flow['name'];

/** The flow that deploys `key`; a platform and type with no flow is refused by name. */
export function flowFor(key: FlowKey): Flow {
  const flow = FLOWS.find((candidate) => sameFlow(candidate.key, key));
  if (!flow) {
    throw new UnsupportedDeploymentFlowError(
      `stepdeploy has no ${flowId(key)} flow; it deploys ${FLOWS.map((f) => flowId(f.key)).join(', ')}.`,
    );
  }
  return flow;
}

/** A flow's Tasks: its Prepare, then its other steps (its own machine's only). */
export function flowSteps(flow: FlowDeclaration): AnyStepSpec[] {
  return [flow.prepare, ...flow.steps];
}

/** Every child machine of every flow, each once. */
export function allChildStateMachines(): ChildStateMachine[] {
  const byName = new Map<string, ChildStateMachine>();
  for (const flow of FLOWS as readonly FlowDeclaration[])
    for (const child of flow.children ?? []) byName.set(child.name, child);
  return [...byName.values()];
}

/** Every step some flow or child machine runs, each once (Rollback and Finish serve every flow). */
export function allFlowSteps(): AnyStepSpec[] {
  const byName = new Map<string, AnyStepSpec>();
  for (const flow of FLOWS) for (const step of flowSteps(flow)) byName.set(step.name, step);
  for (const child of allChildStateMachines()) for (const step of child.steps) byName.set(step.name, step);
  return [...byName.values()];
}

/** Each flow's id and name: what the executions port maps to state machines. */
export function flowIds(): Array<{ id: FlowId; name: FlowName }> {
  return FLOWS.map((flow) => ({ id: flowId(flow.key), name: flow.name }));
}

/** The name of every step some flow runs: its Lambda function's construct id. */
export type FlowStepName =
  Flow['prepare']['name'] | Flow['steps'][number]['name'] | (typeof SERVER_BATCHES)['steps'][number]['name'];
