/**
 * What a Lambda and an ECS simulation share once their simulated services and runtime exist: the
 * records (the deployment group, a custom config), the hooks' answers, the alarms and the stop at
 * their simulated seconds, the deployment run to its end, and its report.
 */
import type { DeploymentConfigInfo } from '../../functions/domain/deployment-configs.js';
import type { FlowKey } from '../../functions/domain/flows.js';
import type {
  AlarmConfiguration,
  DeploymentGroupRecord,
  RevisionLocation,
} from '../../functions/ports/records.js';
import { errorName } from '../../functions/steps/caught-errors.js';
import type { VirtualClock } from '../engine/index.js';
import type { LocalRuntime } from '../runtime/runtime.js';
import type { SimulatedAlarms } from '../simulated/alarms.js';
import type { SimulatedLambda } from '../simulated/lambda.js';
import { registerHooks, type HookedAppSpec } from './hook-answers.js';
import { SimulationRecorder, type TimelineEntry } from './recorder.js';

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

/** One platform's simulation, its services and runtime set up: what `runSimulation` runs. */
export interface SimulationSetup {
  runtime: LocalRuntime;
  clock: VirtualClock;
  /** Where the hook functions run. */
  lambda: SimulatedLambda;
  alarms: SimulatedAlarms;
  appSpec: HookedAppSpec;
  options: SimulationOptions;
  /** The platform's part of the deployment group's record. */
  group: Omit<
    DeploymentGroupRecord,
    | 'applicationName'
    | 'deploymentGroupName'
    | 'deploymentGroupId'
    | 'deploymentConfigName'
    | 'alarmConfiguration'
  >;
  /** Runs after the records are written, before the recorder starts. */
  settle?: () => Promise<void>;
  /** Subscribes the recorder to the platform's traffic changes (and to the execution's states). */
  observe: (recorder: SimulationRecorder) => void;
  flow: FlowKey;
  revision: RevisionLocation;
}

/**
 * Runs the deployment on the set-up runtime in compressed time and reports what happened, each
 * entry stamped with simulated seconds since the start. The caller disposes of the runtime.
 */
export async function runSimulation(setup: SimulationSetup): Promise<Simulation> {
  const { runtime, clock, alarms, options } = setup;
  await holdCustomConfig(runtime, options.customConfig);
  // Written before any of the deployment's timers (alarms, the stop) exist: a VirtualClock jumps to
  // the next timer whenever nothing it tracks is running, and these writes are untracked I/O.
  await runtime.deps.store.putDeploymentGroup({
    ...NAMES,
    deploymentGroupId: 'simulate',
    ...setup.group,
    deploymentConfigName: options.deploymentConfigName,
    ...(options.alarms?.length ? { alarmConfiguration: alarmConfiguration(options.alarms) } : {}),
  });
  await setup.settle?.();
  const recorder = new SimulationRecorder(DEPLOYMENT_ID, clock.nowMs(), () => clock.nowMs());
  setup.observe(recorder);
  registerHooks(runtime, setup.lambda, setup.appSpec, options.failHook, recorder);
  const cancels = scheduleAlarms(alarms, options.alarms ?? [], (name, oldState, newState) => {
    recorder.note(recorder.currentState, `alarm ${name}: ${oldState} -> ${newState}`);
    return runtime.onAlarmStateChange(name, newState);
  });
  if (options.stopAtSeconds !== undefined) {
    const autoRollbackEnabled = options.rollbackOnStop === true;
    cancels.push(
      clock.setTimer(options.stopAtSeconds * 1000, () => {
        recorder.note(recorder.currentState, `StopDeployment (autoRollbackEnabled: ${autoRollbackEnabled})`);
        // Tracked: virtual time must not move on while the stop is being recorded.
        void clock
          .track(runtime.stopDeployment(DEPLOYMENT_ID, { autoRollbackEnabled }))
          .catch((error: unknown) =>
            recorder.note(recorder.currentState, `StopDeployment refused: ${errorName(error) ?? 'Error'}`),
          );
      }),
    );
  }
  await runtime.startDeployment(setup.flow, {
    deploymentId: DEPLOYMENT_ID,
    ...NAMES,
    revision: setup.revision,
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
}

function scheduleAlarms(
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

function alarmConfiguration(scheduled: readonly ScheduledAlarm[]): AlarmConfiguration {
  return { enabled: true, ignorePollAlarmFailure: false, alarms: scheduled.map(({ name }) => ({ name })) };
}

/** Puts a custom config in the simulation's records, where Prepare resolves it as in a real deployment. */
async function holdCustomConfig(
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
