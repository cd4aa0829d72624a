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
import { errorName } from '../../functions/steps/caught-errors.js';
import { LAMBDA_FLOW } from '../../functions/steps/prepare-lambda.js';
import type { DeploymentConfigInfo } from '../../functions/domain/deployment-configs.js';
import type { AlarmConfiguration } from '../../functions/ports/records.js';
import type { LocalRuntime } from '../runtime/runtime.js';
import type { SimulatedAlarms } from '../simulated/alarms.js';
import type { HookHandler, SimulatedLambda } from '../simulated/lambda.js';
import { SimulationRecorder, type TimelineEntry } from './recorder.js';

export type { TimelineEntry };

/** Simulated seconds a hook function takes before it answers. */
const HOOK_ANSWER_SECONDS = 2;
/** The simulated function gets every version up to the highest one the AppSpec names. */
export const MAX_SIMULATED_VERSION = 10_000;
const DEPLOYMENT_ID = 'd-SIMULATE0';
const NAMES = { applicationName: 'simulate', deploymentGroupName: 'simulate' };

export interface ScheduledAlarm {
  name: string;
  /** Simulated seconds after the start when the alarm goes to ALARM; 0: in ALARM from the start. */
  atSeconds: number;
}

export interface SimulationOptions {
  /** A predefined config's full name, or the name of `customConfig`. */
  deploymentConfigName: string;
  /** A custom config (CreateDeploymentConfig's record, read by the caller): the simulation's records hold it. */
  customConfig?: DeploymentConfigInfo;
  alarms?: ScheduledAlarm[];
  /** The lifecycle event whose hook answers Failed (it must have a hook in the AppSpec). */
  failHook?: string;
  stopAtSeconds?: number;
  /** StopDeployment with autoRollbackEnabled. */
  rollbackOnStop?: boolean;
}

export interface SimulationReport {
  status: string;
  errorCode: string | null;
  rolledBack: boolean;
  stateTransitions: number;
  timeline: TimelineEntry[];
  weights: Array<{ atSeconds: number; targetVersionWeight: number }>;
}

/** The report plus what the text view shows and the JSON leaves out. */
export interface Simulation {
  report: SimulationReport;
  message: string | undefined;
}

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
    await holdCustomConfig(runtime, options.customConfig);
    // Set up before any timer exists: a VirtualClock jumps to the next timer whenever nothing it
    // tracks is running, and these writes are untracked I/O.
    await runtime.deps.store.putDeploymentGroup({
      ...NAMES,
      deploymentGroupId: 'simulate',
      computePlatform: 'Lambda',
      deploymentConfigName: options.deploymentConfigName,
      ...(options.alarms?.length ? { alarmConfiguration: alarmConfiguration(options.alarms) } : {}),
    });
    const recorder = new SimulationRecorder(DEPLOYMENT_ID, clock.nowMs(), () => clock.nowMs());
    recorder.observe(runtime, lambda, appSpec);
    registerHooks(runtime, lambda, appSpec, options.failHook, recorder);
    const cancels = scheduleAlarms(alarms, options.alarms ?? [], (name, oldState, newState) => {
      recorder.note(recorder.currentState, `alarm ${name}: ${oldState} -> ${newState}`);
      return runtime.onAlarmStateChange(name, newState);
    });
    if (options.stopAtSeconds !== undefined) {
      const autoRollbackEnabled = options.rollbackOnStop === true;
      cancels.push(
        clock.setTimer(options.stopAtSeconds * 1000, () => {
          recorder.note(
            recorder.currentState,
            `StopDeployment (autoRollbackEnabled: ${autoRollbackEnabled})`,
          );
          // Tracked: virtual time must not move on while the stop is being recorded.
          void clock
            .track(runtime.stopDeployment(DEPLOYMENT_ID, { autoRollbackEnabled }))
            .catch((error: unknown) =>
              recorder.note(recorder.currentState, `StopDeployment refused: ${errorName(error) ?? 'Error'}`),
            );
        }),
      );
    }
    await runtime.startDeployment(LAMBDA_FLOW, {
      deploymentId: DEPLOYMENT_ID,
      ...NAMES,
      revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpecText } },
      deploymentConfigName: options.deploymentConfigName,
    });
    const outcome = await runtime.outcome(DEPLOYMENT_ID);
    if (!outcome) throw new Error('the embedded runtime did not start the deployment');
    // Alarms and stops scheduled after the end would only describe a deployment that is over.
    for (const cancel of cancels) cancel();
    const record = await runtime.deps.deployments.getDeployment(DEPLOYMENT_ID);
    const status = record?.status ?? (outcome.status === 'SUCCEEDED' ? 'Succeeded' : 'Failed');
    const errorCode =
      record?.errorInformation?.code ?? (status === 'Succeeded' ? null : (outcome.error ?? null));
    recorder.note(
      recorder.currentState,
      errorCode ? `deployment ${status}: ${errorCode}` : `deployment ${status}`,
    );
    return {
      report: {
        status,
        errorCode,
        rolledBack: recorder.rolledBack,
        stateTransitions: outcome.stateTransitions,
        timeline: recorder.timeline(),
        weights: recorder.weights,
      },
      message: record?.errorInformation?.message ?? outcome.cause,
    };
  } finally {
    await runtime.dispose();
    clock.dispose();
  }
}

/**
 * Each hook function answers PutLifecycleEventHookExecutionStatus after a short simulated delay:
 * Succeeded, or Failed for the event named by --fail-hook. The event is read from the hook
 * execution, so one function serving both events answers each correctly.
 */
export function registerHooks(
  runtime: LocalRuntime,
  lambda: SimulatedLambda,
  appSpec: { hooks: ReadonlyArray<{ functionName: string }>; functionName?: string },
  failHook: string | undefined,
  recorder: SimulationRecorder,
): void {
  for (const functionName of new Set(appSpec.hooks.map((hook) => hook.functionName))) {
    // A hook may be the deployed function itself: it exists already, it only gets the hook's code.
    if (functionName !== appSpec.functionName) lambda.createFunction(functionName);
    const handler: HookHandler = async (event, context) => {
      const execution = await runtime.deps.hookExecutions.getHookExecution(
        event.LifecycleEventHookExecutionId,
      );
      const lifecycleEvent = execution?.lifecycleEventName ?? 'hook';
      const answer = lifecycleEvent === failHook ? 'Failed' : 'Succeeded';
      recorder.note(lifecycleEvent, `invoked ${functionName}`);
      await context.sleep(HOOK_ANSWER_SECONDS * 1000);
      // Noted before the call: the answer resumes the state machine, whose next states come after it.
      recorder.note(lifecycleEvent, `${functionName} answers ${answer}`);
      try {
        await runtime.putLifecycleEventHookExecutionStatus({
          deploymentId: event.DeploymentId,
          lifecycleEventHookExecutionId: event.LifecycleEventHookExecutionId,
          status: answer,
        });
      } catch (error) {
        recorder.note(lifecycleEvent, `${functionName}'s answer was refused: ${errorName(error) ?? 'Error'}`);
      }
    };
    lambda.registerHook(functionName, handler);
  }
}

export function scheduleAlarms(
  alarms: SimulatedAlarms,
  scheduled: readonly ScheduledAlarm[],
  onChange: (name: string, oldState: string, newState: string) => Promise<unknown>,
): Array<() => void> {
  alarms.onStateChange((name, newState, oldState) => onChange(name, oldState, newState));
  return scheduled.flatMap(({ name, atSeconds }) => {
    if (atSeconds === 0) {
      alarms.define(name, 'ALARM');
      return [];
    }
    alarms.define(name, 'OK');
    return [alarms.setStateAt(name, 'ALARM', atSeconds * 1000)];
  });
}

export function alarmConfiguration(scheduled: readonly ScheduledAlarm[]): AlarmConfiguration {
  return { enabled: true, ignorePollAlarmFailure: false, alarms: scheduled.map(({ name }) => ({ name })) };
}

/** Puts a custom config in the simulation's records, where Prepare resolves it as in a real deployment. */
export async function holdCustomConfig(
  runtime: Pick<LocalRuntime, 'deps'>,
  config: DeploymentConfigInfo | undefined,
): Promise<void> {
  if (!config) return;
  const { createTime: _created, deploymentConfigId, ...rest } = config;
  await runtime.deps.controlPlane.deploymentConfigs.createDeploymentConfig({
    ...rest,
    deploymentConfigId: deploymentConfigId ?? 'simulated',
    createTime: new Date(0).toISOString(),
  });
}
