/**
 * `stepdeploy simulate`: rehearse a Lambda deployment. The real state machine runs on the embedded
 * engine against the simulated Lambda service and alarms, in compressed time (a VirtualClock), with
 * the records in an in-memory database: nothing is written and no AWS account is needed.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import pc from 'picocolors';
import {
  validateAppSpec,
  type AppSpecIssue,
  type LambdaAppSpec,
} from '../../functions/domain/appspec/index.js';
import {
  getPredefinedConfig,
  PREDEFINED_DEPLOYMENT_CONFIGS,
} from '../../functions/domain/deployment-configs.js';
import { LAMBDA_HOOKABLE_EVENTS } from '../../functions/domain/lifecycle.js';
import type { AliasRouting } from '../../functions/ports/lambda-alias.js';
import type { AlarmConfiguration } from '../../functions/ports/records.js';
import type { EngineEvent } from '../../local/engine/index.js';
import type { LocalRuntime } from '../../local/runtime/runtime.js';
import type { SimulatedAlarms } from '../../local/simulated/alarms.js';
import type { HookHandler, SimulatedLambda } from '../../local/simulated/lambda.js';
import { EXIT_BAD, EXIT_OK, UsageError } from '../exit-codes.js';
import { subcommand } from '../program.js';
import { readAppSpecFile } from './appspec.js';

/** Simulated seconds a hook function takes before it answers. */
const HOOK_ANSWER_SECONDS = 2;
/** The simulated function gets every version up to the highest one the AppSpec names. */
const MAX_SIMULATED_VERSION = 10_000;
const DEPLOYMENT_ID = 'd-SIMULATE0';
const NAMES = { applicationName: 'simulate', deploymentGroupName: 'simulate' };

export interface ScheduledAlarm {
  name: string;
  /** Simulated seconds after the start when the alarm goes to ALARM; 0: in ALARM from the start. */
  atSeconds: number;
}

export interface SimulationOptions {
  /** A predefined Lambda config, full name. */
  deploymentConfigName: string;
  alarms?: ScheduledAlarm[];
  /** The lifecycle event whose hook answers Failed (it must have a hook in the AppSpec). */
  failHook?: string;
  stopAtSeconds?: number;
  /** StopDeployment with autoRollbackEnabled. */
  rollbackOnStop?: boolean;
}

export interface TimelineEntry {
  atSeconds: number;
  state: string;
  detail: string;
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

export const LAMBDA_CONFIG_NAMES = PREDEFINED_DEPLOYMENT_CONFIGS.filter(
  (config) => config.computePlatform === 'Lambda',
).map((config) => config.deploymentConfigName);

export function registerSimulateCommand(program: Command): void {
  subcommand(
    program,
    'simulate',
    'Rehearse a Lambda deployment: the real state machine against a simulated Lambda, in compressed time',
  )
    .argument('<appspec>', 'the Lambda AppSpec file (YAML or JSON)')
    .requiredOption('--config <name>', 'a CodeDeployDefault.Lambda* config (the prefix may be left out)')
    .option(
      '--alarm <name@seconds>',
      'an alarm that goes to ALARM at that simulated second (@0: already in ALARM); repeatable',
      collectAlarm,
      [],
    )
    .addOption(
      new Option('--fail-hook <event>', "that event's hook function answers Failed").choices([
        ...LAMBDA_HOOKABLE_EVENTS,
      ]),
    )
    .option('--stop-at <seconds>', 'call StopDeployment at that simulated second', nonNegativeSeconds)
    .option('--rollback-on-stop', 'stop with autoRollbackEnabled (restore the alias)')
    .option('--json', 'print one JSON object instead of the timeline')
    .action(async (file: string, options: CommandOptions) => {
      const deploymentConfigName = lambdaConfigName(options.config);
      if (options.rollbackOnStop && options.stopAt === undefined) {
        throw new UsageError('--rollback-on-stop needs --stop-at');
      }
      const read = readLambdaAppSpec(file);
      if (!read) {
        process.exitCode = EXIT_BAD;
        return;
      }
      const { text, appSpec } = read;
      if (options.failHook && !appSpec.hooks.some((hook) => hook.event === options.failHook)) {
        const events = appSpec.hooks.map((hook) => hook.event).join(', ') || 'none';
        throw new UsageError(
          `--fail-hook ${options.failHook}: the AppSpec has no ${options.failHook} hook (its hooks: ${events})`,
        );
      }
      const simulation = await simulateLambdaDeployment(text, {
        deploymentConfigName,
        alarms: options.alarm,
        ...(options.failHook ? { failHook: options.failHook } : {}),
        ...(options.stopAt !== undefined ? { stopAtSeconds: options.stopAt } : {}),
        rollbackOnStop: options.rollbackOnStop === true,
      });
      if (options.json) console.log(JSON.stringify(simulation.report, null, 2));
      else printSimulation(appSpec, deploymentConfigName, simulation);
      process.exitCode = simulation.report.status === 'Succeeded' ? EXIT_OK : EXIT_BAD;
    });
}

interface CommandOptions {
  config: string;
  alarm: ScheduledAlarm[];
  failHook?: string;
  stopAt?: number;
  rollbackOnStop?: boolean;
  json?: boolean;
}

function nonNegativeSeconds(value: string): number {
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds < 0) {
    throw new InvalidArgumentError('must be a number of seconds, 0 or more');
  }
  return seconds;
}

function collectAlarm(value: string, previous: ScheduledAlarm[]): ScheduledAlarm[] {
  const at = value.lastIndexOf('@');
  const name = at > 0 ? value.slice(0, at) : '';
  if (!name) throw new InvalidArgumentError('expected NAME@SECONDS, for example Errors@120');
  const atSeconds = nonNegativeSeconds(value.slice(at + 1));
  if (previous.some((alarm) => alarm.name === name)) {
    throw new InvalidArgumentError(`the alarm ${name} is given twice`);
  }
  return [...previous, { name, atSeconds }];
}

function lambdaConfigName(name: string): string {
  const config = getPredefinedConfig(name) ?? getPredefinedConfig(`CodeDeployDefault.${name}`);
  if (config?.computePlatform !== 'Lambda') {
    throw new UsageError(
      `unknown Lambda deployment config ${name}. Lambda configs: ${LAMBDA_CONFIG_NAMES.join(', ')}`,
    );
  }
  return config.deploymentConfigName;
}

export function parseLambdaAppSpec(text: string): { appSpec?: LambdaAppSpec; errors: AppSpecIssue[] } {
  const verdict = validateAppSpec(text, { platform: 'lambda' });
  return verdict.valid && verdict.appSpec?.platform === 'lambda'
    ? { appSpec: verdict.appSpec, errors: [] }
    : { errors: verdict.errors };
}

/** The file's text and AppSpec, or undefined after printing why it is not a valid Lambda AppSpec. */
function readLambdaAppSpec(file: string): { text: string; appSpec: LambdaAppSpec } | undefined {
  const text = readAppSpecFile(file);
  const { appSpec, errors } = parseLambdaAppSpec(text);
  if (appSpec) {
    const version = Math.max(Number(appSpec.currentVersion), Number(appSpec.targetVersion));
    if (version > MAX_SIMULATED_VERSION) {
      throw new UsageError(
        `simulate publishes every version up to the highest one named; ${version} is above ${MAX_SIMULATED_VERSION}`,
      );
    }
    return { text, appSpec };
  }
  // stderr: a script reading --json output must not mistake the errors for a report.
  console.error(`${pc.red('✖')} ${file}: invalid Lambda AppSpec (${errors.length} error(s))`);
  for (const issue of errors) {
    const position = issue.line !== undefined ? ` (line ${issue.line}, column ${issue.column})` : '';
    console.error(
      `  ${pc.red('error')}   ${issue.path || '(document)'}${position}: ${issue.message} [${issue.code}]`,
    );
  }
  return undefined;
}

/** The target version's share of the alias' traffic. */
function weightOf(routing: AliasRouting, targetVersion: string): number {
  if (routing.functionVersion === targetVersion) return 1;
  return routing.additionalVersionWeights[targetVersion] ?? 0;
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
      import('../../local/engine/index.js'),
      import('../../local/runtime/runtime.js'),
      import('../../local/simulated/alarms.js'),
      import('../../local/simulated/lambda.js'),
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
    // Set up before any timer exists: a VirtualClock jumps to the next timer whenever nothing it
    // tracks is running, and these writes are untracked I/O.
    await runtime.deps.store.putDeploymentGroup({
      ...NAMES,
      deploymentGroupId: 'simulate',
      computePlatform: 'Lambda',
      deploymentConfigName: options.deploymentConfigName,
      ...(options.alarms?.length ? { alarmConfiguration: alarmConfiguration(options.alarms) } : {}),
    });
    const recorder = new Recorder(clock.nowMs(), () => clock.nowMs(), appSpec);
    recorder.observe(runtime, lambda);
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
              recorder.note(recorder.currentState, `StopDeployment refused: ${(error as Error).name}`),
            );
        }),
      );
    }
    await runtime.startDeployment('Lambda', {
      deploymentId: DEPLOYMENT_ID,
      ...NAMES,
      revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpecText } },
      deploymentConfigName: options.deploymentConfigName,
    });
    const outcome = await runtime.outcome(DEPLOYMENT_ID);
    if (!outcome) throw new Error('the embedded runtime did not start the deployment');
    // Alarms and stops scheduled after the end would only describe a deployment that is over.
    for (const cancel of cancels) cancel();
    const record = await runtime.deps.store.getDeployment(DEPLOYMENT_ID);
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

/** Collects what happened, stamped with simulated seconds since the start. */
class Recorder {
  currentState = 'Prepare';
  rolledBack = false;
  readonly weights: SimulationReport['weights'] = [];
  private readonly entries: TimelineEntry[] = [];

  constructor(
    private readonly startMs: number,
    private readonly nowMs: () => number,
    private readonly appSpec: LambdaAppSpec,
  ) {}

  seconds(): number {
    return (this.nowMs() - this.startMs) / 1000;
  }

  note(state: string, detail: string): void {
    this.entries.push({ atSeconds: this.seconds(), state, detail });
  }

  /** Sources report at the same simulated instant in any order; a stable sort keeps each in its own. */
  timeline(): TimelineEntry[] {
    return [...this.entries].sort((a, b) => a.atSeconds - b.atSeconds);
  }

  observe(runtime: LocalRuntime, lambda: SimulatedLambda): void {
    runtime.engine.subscribe((event) => {
      if (event.executionName !== DEPLOYMENT_ID) return;
      if (event.type === 'StateEntered' && event.stateName) {
        this.currentState = event.stateName;
        this.note(event.stateName, enteredDetail(event));
      } else if (event.type === 'StateExited' && event.stateName === 'Rollback') {
        this.rolledBack = asRecord(asRecord(event.output)['rollback'])['rolledBack'] === true;
      }
    });
    const { alias, currentVersion, targetVersion } = this.appSpec;
    lambda.subscribe((change) => {
      const weight = weightOf(change.routing, targetVersion);
      this.weights.push({ atSeconds: this.seconds(), targetVersionWeight: weight });
      // Only the rollback puts the alias back on CurrentVersion with no routing.
      const restored =
        change.routing.functionVersion === currentVersion &&
        Object.keys(change.routing.additionalVersionWeights).length === 0;
      const detail = `${alias}: ${Math.round(weight * 100)}% -> version ${targetVersion}`;
      if (restored) this.note('Rollback', `${detail} (back on version ${currentVersion})`);
      else this.note('ShiftTraffic', detail);
    });
  }
}

function asRecord(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** What a state is about to do, read from its input (the whole state: Prepare's plan, the loop's position). */
function enteredDetail(event: EngineEvent): string {
  const input = asRecord(event.input);
  const steps = asRecord(input['deployment'])['trafficSteps'];
  const traffic = asRecord(input['traffic']);
  if (event.stateName === 'ShiftTraffic' && Array.isArray(steps) && typeof traffic['nextStep'] === 'number') {
    const step = asRecord(steps[traffic['nextStep']]);
    return `entered: step ${traffic['nextStep'] + 1}/${steps.length}, shift to ${String(step['weightPercent'])}%`;
  }
  if (event.stateName === 'Bake' && typeof traffic['bakeSeconds'] === 'number') {
    return `entered: bake ${traffic['bakeSeconds']} s`;
  }
  return 'entered';
}

/**
 * Each hook function answers PutLifecycleEventHookExecutionStatus after a short simulated delay:
 * Succeeded, or Failed for the event named by --fail-hook. The event is read from the hook
 * execution, so one function serving both events answers each correctly.
 */
function registerHooks(
  runtime: LocalRuntime,
  lambda: SimulatedLambda,
  appSpec: LambdaAppSpec,
  failHook: string | undefined,
  recorder: Recorder,
): void {
  for (const functionName of new Set(appSpec.hooks.map((hook) => hook.functionName))) {
    // A hook may be the deployed function itself: it exists already, it only gets the hook's code.
    if (functionName !== appSpec.functionName) lambda.createFunction(functionName);
    const handler: HookHandler = async (event, context) => {
      const execution = await runtime.deps.store.getHookExecution(event.LifecycleEventHookExecutionId);
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
        recorder.note(lifecycleEvent, `${functionName}'s answer was refused: ${(error as Error).name}`);
      }
    };
    lambda.registerHook(functionName, handler);
  }
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

function clockText(seconds: number): string {
  const whole = Math.floor(seconds);
  return `${String(Math.floor(whole / 60)).padStart(2, '0')}:${String(whole % 60).padStart(2, '0')}`;
}

function printSimulation(appSpec: LambdaAppSpec, configName: string, simulation: Simulation): void {
  const { report, message } = simulation;
  console.log(
    `Simulating ${configName}: ${appSpec.functionName}:${appSpec.alias} from version ${appSpec.currentVersion} to ${appSpec.targetVersion} (simulated time)`,
  );
  const width = Math.max(...report.timeline.map((entry) => entry.state.length), 10);
  for (const entry of report.timeline) {
    const detail = entry.detail.includes('%') ? pc.bold(entry.detail) : entry.detail;
    console.log(`  ${pc.dim(clockText(entry.atSeconds))}  ${pc.cyan(entry.state.padEnd(width))}  ${detail}`);
  }
  const duration = report.timeline.at(-1)?.atSeconds ?? 0;
  const colour = report.status === 'Succeeded' ? pc.green : report.status === 'Stopped' ? pc.yellow : pc.red;
  const code = report.errorCode ? ` (${report.errorCode})` : '';
  console.log(`${colour(`Deployment ${report.status}${code}`)} after ${clockText(duration)} simulated`);
  if (report.errorCode && message) console.log(`  ${message}`);
  const traffic = report.rolledBack
    ? `rolled back: ${appSpec.alias} is on version ${appSpec.currentVersion} again`
    : `${appSpec.alias} serves ${Math.round((report.weights.at(-1)?.targetVersionWeight ?? 0) * 100)}% from version ${appSpec.targetVersion}`;
  console.log(`  ${traffic}; ${report.stateTransitions} state transitions`);
}
