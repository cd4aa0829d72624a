/**
 * A Lambda deployment on the embedded runtime, in compressed time: the real state machine on the
 * engine, records in an in-memory dynalite, the simulated Lambda service and CloudWatch alarms.
 * `my-function` has versions 1 and 2 and its alias `live` points at version 1; the deployment group
 * `app/group` is a Lambda group. Hook functions answer through the runtime's
 * PutLifecycleEventHookExecutionStatus, as existing CodeDeploy hook functions do.
 */
import type { AliasRouting } from '../../../functions/ports/lambda-alias.js';
import type {
  AlarmConfiguration,
  AutoRollbackConfiguration,
  DeploymentGroupRecord,
  DeploymentRecord,
  LambdaDeploymentRecord,
} from '../../../functions/ports/records.js';
import { LAMBDA_FLOW } from '../../../functions/steps/prepare-lambda.js';
import { VirtualClock, type EngineEvent, type ExecutionOutcome } from '../../../local/engine/index.js';
import { createLocalRuntime, type LocalRuntime } from '../../../local/runtime/runtime.js';
import { SimulatedAlarms } from '../../../local/simulated/alarms.js';
import {
  answeringHook,
  SimulatedLambda,
  type HookAnswer,
  type HookHandler,
  type PutHookStatus,
} from '../../../local/simulated/lambda.js';

export const FUNCTION_NAME = 'my-function';
export const ALIAS = 'live';
export const APPLICATION = 'app';
export const GROUP = 'group';
export const BEFORE_HOOK = 'CodeDeployHook_beforeAllowTraffic';
export const AFTER_HOOK = 'CodeDeployHook_afterAllowTraffic';
/** The alias before every deployment, and what every rollback must restore exactly. */
export const ORIGINAL_ROUTING: AliasRouting = { functionVersion: '1', additionalVersionWeights: {} };

/** A fixed start, so that stored timestamps read the same in every run. */
const START_MS = Date.UTC(2025, 0, 1, 12, 0, 0);

export interface AppSpecOptions {
  /** Lifecycle event -> hook function; both hooks by default, `{}` for none. */
  hooks?: Record<string, string>;
  currentVersion?: string;
  targetVersion?: string;
}

export function lambdaAppSpec(options: AppSpecOptions = {}): string {
  const hooks = options.hooks ?? { BeforeAllowTraffic: BEFORE_HOOK, AfterAllowTraffic: AFTER_HOOK };
  const hookLines = Object.entries(hooks).map(([event, fn]) => `  - ${event}: ${fn}`);
  return [
    'version: 0.0',
    'Resources:',
    '  - myFunction:',
    '      Type: AWS::Lambda::Function',
    '      Properties:',
    `        Name: ${FUNCTION_NAME}`,
    `        Alias: ${ALIAS}`,
    `        CurrentVersion: "${options.currentVersion ?? '1'}"`,
    `        TargetVersion: "${options.targetVersion ?? '2'}"`,
    ...(hookLines.length > 0 ? ['Hooks:', ...hookLines] : []),
    '',
  ].join('\n');
}

export interface DeployOptions {
  deploymentId?: string;
  /** Defaults to CodeDeployDefault.LambdaAllAtOnce. */
  config?: string;
  appSpec?: string;
  overrideAlarmConfiguration?: AlarmConfiguration;
  autoRollbackConfiguration?: AutoRollbackConfiguration;
}

/** One successful UpdateAlias during the deployment, `atSeconds` of virtual time after its start. */
export interface WeightChange {
  atSeconds: number;
  routing: AliasRouting;
  /** The target version's share after the change: 1 once the alias points at it. */
  targetVersionWeight: number;
}

export interface DeployResult {
  deploymentId: string;
  outcome: ExecutionOutcome;
  record: LambdaDeploymentRecord | undefined;
  weights: WeightChange[];
  /** This execution's engine events, in order. */
  events: EngineEvent[];
}

export interface LambdaHarness {
  clock: VirtualClock;
  lambda: SimulatedLambda;
  alarms: SimulatedAlarms;
  runtime: LocalRuntime;
  group: DeploymentGroupRecord;
  /** PutLifecycleEventHookExecutionStatus as a hook function calls it. */
  putStatus: PutHookStatus;
  /** Makes `functionName` (created if needed) answer `answer` after `delaySeconds` of virtual time. */
  answerHook(functionName: string, answer: HookAnswer, delaySeconds?: number): void;
  /** Gives `functionName` (created if needed) arbitrary code. */
  hookCode(functionName: string, handler: HookHandler): void;
  /** Starts a deployment and returns at once; `result` settles when its execution ends. */
  start(options?: DeployOptions): { deploymentId: string; result: Promise<DeployResult> };
  /** Starts a deployment and waits for its end. */
  deploy(options?: DeployOptions): Promise<DeployResult>;
  /** Runs `fn` after `seconds` of virtual time from now; the clock waits for it to finish. */
  at<T>(seconds: number, fn: () => Promise<T> | T): Promise<T>;
  /** Resolves once nothing runs and no timer is pending (background hooks have finished). */
  settled(): Promise<void>;
  alias(): Promise<AliasRouting>;
  lockHolder(): Promise<string | undefined>;
  /** Seconds of virtual time since the harness was created. */
  elapsedSeconds(): number;
  dispose(): Promise<void>;
}

const live = new Set<LambdaHarness>();

/** Disposes every harness still open: call it from afterEach. */
export async function disposeLambdaHarnesses(): Promise<void> {
  const open = [...live];
  live.clear();
  await Promise.all(open.map((harness) => harness.dispose()));
}

export function weightOf(routing: AliasRouting, targetVersion = '2'): number {
  if (routing.functionVersion === targetVersion) return 1;
  return routing.additionalVersionWeights[targetVersion] ?? 0;
}

/** The record of a deployment of this harness, which is a Lambda deployment. */
function lambdaRecord(record: DeploymentRecord | undefined): LambdaDeploymentRecord | undefined {
  if (record && record.computePlatform !== 'Lambda')
    throw new Error(`${record.deploymentId} is a ${record.computePlatform} deployment`);
  return record;
}

let deploymentCounter = 0;

/** Deployment ids are `d-` + 9 upper-case alphanumerics; unique per test process. */
function nextDeploymentId(): string {
  deploymentCounter += 1;
  return `d-TEST${String(deploymentCounter).padStart(5, '0')}`;
}

export async function createLambdaHarness(
  options: { group?: Partial<DeploymentGroupRecord> } = {},
): Promise<LambdaHarness> {
  const clock = new VirtualClock({ startMs: START_MS });
  const lambda = new SimulatedLambda(clock);
  const alarms = new SimulatedAlarms(clock);
  lambda.createFunction(FUNCTION_NAME);
  lambda.publishVersion(FUNCTION_NAME);
  lambda.publishVersion(FUNCTION_NAME);
  lambda.createAlias(FUNCTION_NAME, ALIAS, '1');

  const runtime = await createLocalRuntime({ clock, ports: { lambda, hooks: lambda, alarms } });
  // EventBridge's "CloudWatch Alarm State Change" rule, as AWS wires it.
  alarms.onStateChange((name, state) => runtime.onAlarmStateChange(name, state));
  const events: EngineEvent[] = [];
  runtime.engine.subscribe((event) => events.push(event));

  const group: DeploymentGroupRecord = {
    applicationName: APPLICATION,
    deploymentGroupName: GROUP,
    deploymentGroupId: 'dg-0001',
    computePlatform: 'Lambda',
    ...options.group,
  };
  await runtime.deps.store.putDeploymentGroup(group);

  const putStatus: PutHookStatus = (deploymentId, hookExecutionId, status) =>
    runtime.putLifecycleEventHookExecutionStatus({
      deploymentId,
      lifecycleEventHookExecutionId: hookExecutionId,
      status,
    });
  const hookFunctions = new Set<string>();
  const hookCode = (functionName: string, handler: HookHandler): void => {
    if (!hookFunctions.has(functionName)) {
      lambda.createFunction(functionName);
      hookFunctions.add(functionName);
    }
    lambda.registerHook(functionName, handler);
  };
  const answerHook = (functionName: string, answer: HookAnswer, delaySeconds = 0): void =>
    hookCode(functionName, answeringHook(answer, putStatus, delaySeconds * 1000));
  answerHook(BEFORE_HOOK, 'Succeeded');
  answerHook(AFTER_HOOK, 'Succeeded');

  const start = (deploy: DeployOptions = {}) => {
    const deploymentId = deploy.deploymentId ?? nextDeploymentId();
    const startedMs = clock.nowMs();
    const changesBefore = lambda.routingChanges().length;
    const result = (async (): Promise<DeployResult> => {
      await runtime.startDeployment(LAMBDA_FLOW, {
        deploymentId,
        applicationName: APPLICATION,
        deploymentGroupName: GROUP,
        revision: {
          revisionType: 'AppSpecContent',
          appSpecContent: { content: deploy.appSpec ?? lambdaAppSpec() },
        },
        deploymentConfigName: deploy.config ?? 'CodeDeployDefault.LambdaAllAtOnce',
        ...(deploy.overrideAlarmConfiguration
          ? { overrideAlarmConfiguration: deploy.overrideAlarmConfiguration }
          : {}),
        ...(deploy.autoRollbackConfiguration
          ? { autoRollbackConfiguration: deploy.autoRollbackConfiguration }
          : {}),
      });
      const pending = runtime.outcome(deploymentId);
      if (!pending) throw new Error(`The runtime did not start ${deploymentId}`);
      const outcome = await pending;
      const weights = lambda
        .routingChanges()
        .slice(changesBefore)
        .filter((change) => change.at.getTime() <= outcome.stoppedAtMs)
        .map((change) => ({
          atSeconds: (change.at.getTime() - startedMs) / 1000,
          routing: change.routing,
          targetVersionWeight: weightOf(change.routing),
        }));
      return {
        deploymentId,
        outcome,
        record: lambdaRecord(await runtime.deps.store.getDeployment(deploymentId)),
        weights,
        events: events.filter((event) => event.executionName === deploymentId),
      };
    })();
    return { deploymentId, result };
  };

  const harness: LambdaHarness = {
    clock,
    lambda,
    alarms,
    runtime,
    group,
    putStatus,
    answerHook,
    hookCode,
    start,
    deploy: (deploy) => start(deploy).result,
    at: (seconds, fn) =>
      new Promise((resolve, reject) => {
        clock.setTimer(seconds * 1000, () => {
          // Tracked: the clock must not move on while the scheduled call runs.
          void clock.track(Promise.resolve().then(fn)).then(resolve, reject);
        });
      }),
    async settled() {
      while (clock.busyCount > 0 || clock.pendingTimers > 0) {
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
    alias: () => lambda.getAlias(FUNCTION_NAME, ALIAS),
    lockHolder: () => runtime.deps.store.getGroupLockHolder(APPLICATION, GROUP),
    elapsedSeconds: () => (clock.nowMs() - START_MS) / 1000,
    async dispose() {
      live.delete(harness);
      await runtime.dispose();
      clock.dispose();
    },
  };
  live.add(harness);
  return harness;
}
