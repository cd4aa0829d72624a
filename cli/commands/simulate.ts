/**
 * `stepdeploy simulate`: rehearse a Lambda deployment (local/simulate/ runs it). This file reads the
 * command line and prints the result; nothing is written and no AWS account is needed.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import pc from 'picocolors';
import type { LambdaAppSpec } from '../../functions/domain/appspec/index.js';
import {
  getPredefinedConfig,
  PREDEFINED_DEPLOYMENT_CONFIGS,
} from '../../functions/domain/deployment-configs.js';
import { LAMBDA_HOOKABLE_EVENTS } from '../../functions/domain/lifecycle.js';
import {
  MAX_SIMULATED_VERSION,
  parseLambdaAppSpec,
  simulateLambdaDeployment,
  type ScheduledAlarm,
  type Simulation,
} from '../../local/simulate/lambda-simulation.js';
import { EXIT_BAD, EXIT_OK, UsageError } from '../exit-codes.js';
import { subcommand } from '../subcommand.js';
import { readAppSpecFile } from './appspec.js';

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
