/**
 * `stepdeploy simulate`: rehearse a Lambda or an ECS deployment, the platform read from the AppSpec
 * (local/simulate/ runs it). This file reads the command line and prints the result; nothing is
 * written and no AWS account is needed.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import pc from 'picocolors';
import {
  detectPlatform,
  type AppSpecIssue,
  type EcsAppSpec,
  type LambdaAppSpec,
} from '../../functions/domain/appspec/index.js';
import { parseAppSpecSource } from '../../functions/domain/appspec/source.js';
import {
  getPredefinedConfig,
  PREDEFINED_DEPLOYMENT_CONFIGS,
} from '../../functions/domain/deployment-configs.js';
import { ECS_HOOKABLE_EVENTS, LAMBDA_HOOKABLE_EVENTS } from '../../functions/domain/lifecycle.js';
import { parseEcsAppSpec } from '../../local/simulate/ecs-simulation.js';
import {
  MAX_SIMULATED_VERSION,
  parseLambdaAppSpec,
  simulateLambdaDeployment,
} from '../../local/simulate/lambda-simulation.js';
import type { ScheduledAlarm, Simulation } from '../../local/simulate/run-simulation.js';
import { EXIT_BAD, EXIT_OK, UsageError } from '../exit-codes.js';
import { subcommand } from '../subcommand.js';
import { readAppSpecFile } from './appspec.js';
import { globalEndpointUrl } from './deploy.js';

export const LAMBDA_CONFIG_NAMES = PREDEFINED_DEPLOYMENT_CONFIGS.filter(
  (config) => config.computePlatform === 'Lambda',
).map((config) => config.deploymentConfigName);

export const ECS_CONFIG_NAMES = PREDEFINED_DEPLOYMENT_CONFIGS.filter(
  (config) => config.computePlatform === 'ECS',
).map((config) => config.deploymentConfigName);

type Rehearsed = { platform: 'lambda'; appSpec: LambdaAppSpec } | { platform: 'ecs'; appSpec: EcsAppSpec };

export function registerSimulateCommand(program: Command): void {
  subcommand(
    program,
    'simulate',
    'Rehearse a Lambda or ECS deployment: the real state machine against a simulated Lambda or ECS service, in compressed time',
  )
    .argument('<appspec>', 'the Lambda or ECS AppSpec file (YAML or JSON; the platform is detected)')
    .requiredOption(
      '--config <name>',
      "a CodeDeployDefault.Lambda* or .ECS* config of the AppSpec's platform (the prefix may be left out), or a custom one (config create)",
    )
    .option('--state-dir <dir>', 'where custom configs are read from (nothing is written)', '.stepdeploy')
    .option(
      '--alarm <name@seconds>',
      'an alarm that goes to ALARM at that simulated second (@0: already in ALARM); repeatable',
      collectAlarm,
      [],
    )
    .addOption(
      new Option('--fail-hook <event>', "that event's hook function answers Failed").choices([
        ...new Set<string>([...LAMBDA_HOOKABLE_EVENTS, ...ECS_HOOKABLE_EVENTS]),
      ]),
    )
    .option('--stop-at <seconds>', 'call StopDeployment at that simulated second', nonNegativeSeconds)
    .option('--rollback-on-stop', 'stop with autoRollbackEnabled (restore the alias)')
    .option('--no-test-listener', 'ECS: the deployment group has no test listener')
    .option('--json', 'print one JSON object instead of the timeline')
    .action(async (file: string, options: CommandOptions, command: Command) => {
      if (options.rollbackOnStop && options.stopAt === undefined) {
        throw new UsageError('--rollback-on-stop needs --stop-at');
      }
      const text = readAppSpecFile(file);
      const read = readRehearsedAppSpec(file, text);
      if (!read) {
        process.exitCode = EXIT_BAD;
        return;
      }
      const platform = read.platform === 'lambda' ? 'Lambda' : 'ECS';
      // A predefined name (or a CodeDeployDefault.* one) is checked by configName; any other is custom.
      const predefined =
        options.config.startsWith('CodeDeployDefault.') ||
        getPredefinedConfig(`CodeDeployDefault.${options.config}`) !== undefined;
      const custom = predefined
        ? undefined
        : await (
            await import('../deploy/configs.js')
          ).lookUpConfig(options.config, platform, {
            stateDir: options.stateDir,
            ...(globalEndpointUrl(command) ? { endpointUrl: globalEndpointUrl(command)! } : {}),
          });
      const deploymentConfigName = custom?.deploymentConfigName ?? configName(options.config, read.platform);
      const { appSpec } = read;
      if (options.failHook && !appSpec.hooks.some((hook) => hook.event === options.failHook)) {
        const events = appSpec.hooks.map((hook) => hook.event).join(', ') || 'none';
        throw new UsageError(
          `--fail-hook ${options.failHook}: the AppSpec has no ${options.failHook} hook (its hooks: ${events})`,
        );
      }
      const scenario = {
        deploymentConfigName,
        ...(custom ? { customConfig: custom } : {}),
        alarms: options.alarm,
        ...(options.failHook ? { failHook: options.failHook } : {}),
        ...(options.stopAt !== undefined ? { stopAtSeconds: options.stopAt } : {}),
        rollbackOnStop: options.rollbackOnStop === true,
      };
      const simulation =
        read.platform === 'lambda'
          ? await simulateLambdaDeployment(text, scenario)
          : await (
              await import('../../local/simulate/ecs-simulation.js')
            ).simulateEcsDeployment(text, file, {
              ...scenario,
              testListener: options.testListener !== false,
            });
      if (options.json) console.log(JSON.stringify(simulation.report, null, 2));
      else if (read.platform === 'lambda') printSimulation(read.appSpec, deploymentConfigName, simulation);
      else printEcsSimulation(read.appSpec, deploymentConfigName, simulation);
      process.exitCode = simulation.report.status === 'Succeeded' ? EXIT_OK : EXIT_BAD;
    });
}

interface CommandOptions {
  config: string;
  stateDir: string;
  alarm: ScheduledAlarm[];
  failHook?: string;
  stopAt?: number;
  rollbackOnStop?: boolean;
  testListener?: boolean;
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

function configName(name: string, platform: 'lambda' | 'ecs'): string {
  const config = getPredefinedConfig(name) ?? getPredefinedConfig(`CodeDeployDefault.${name}`);
  const wanted = platform === 'lambda' ? 'Lambda' : 'ECS';
  if (config?.computePlatform !== wanted) {
    const names = platform === 'lambda' ? LAMBDA_CONFIG_NAMES : ECS_CONFIG_NAMES;
    throw new UsageError(
      `unknown ${wanted} deployment config ${name}. ${wanted} configs: ${names.join(', ')}`,
    );
  }
  return config.deploymentConfigName;
}

/**
 * The AppSpec, of the platform it is (Lambda or ECS), or undefined after printing why it is not a
 * valid one. A Server AppSpec is a usage error: `deploy` deploys those.
 */
function readRehearsedAppSpec(file: string, text: string): Rehearsed | undefined {
  const platform = detectPlatform(parseAppSpecSource(text).value);
  if (platform === 'server') {
    throw new UsageError(
      `${file} is a Server (EC2/On-Premises) AppSpec; simulate rehearses Lambda and ECS deployments (deploy Server revisions with stepdeploy deploy)`,
    );
  }
  if (platform === 'ecs') {
    const { appSpec, errors } = parseEcsAppSpec(text);
    if (appSpec) return { platform, appSpec };
    return reportInvalid(file, 'ECS', errors);
  }
  const { appSpec, errors } = parseLambdaAppSpec(text);
  if (appSpec) {
    const version = Math.max(Number(appSpec.currentVersion), Number(appSpec.targetVersion));
    if (version > MAX_SIMULATED_VERSION) {
      throw new UsageError(
        `simulate publishes every version up to the highest one named; ${version} is above ${MAX_SIMULATED_VERSION}`,
      );
    }
    return { platform: 'lambda', appSpec };
  }
  return reportInvalid(file, 'Lambda', errors);
}

function reportInvalid(file: string, platform: string, errors: AppSpecIssue[]): undefined {
  // stderr: a script reading --json output must not mistake the errors for a report.
  console.error(`${pc.red('✖')} ${file}: invalid ${platform} AppSpec (${errors.length} error(s))`);
  for (const issue of errors) {
    const position = issue.line !== undefined ? ` (line ${issue.line}, column ${issue.column})` : '';
    console.error(
      `  ${pc.red('error')}   ${issue.path || '(document)'}${position}: ${issue.message} [${issue.code}]`,
    );
  }
  return undefined;
}

function printEcsSimulation(appSpec: EcsAppSpec, configName: string, simulation: Simulation): void {
  console.log(
    `Simulating ${configName}: the service's task set replaced by one running ${appSpec.taskDefinition} (${appSpec.containerName}:${appSpec.containerPort}), simulated time`,
  );
  printTimeline(simulation);
  const last = Math.round((simulation.report.weights.at(-1)?.targetVersionWeight ?? 0) * 100);
  const traffic = simulation.report.rolledBack
    ? 'rolled back: the listeners forward to the original task set again, the replacement is deleted'
    : `the replacement serves ${last}% of production`;
  console.log(`  ${traffic}; ${simulation.report.stateTransitions} state transitions`);
}

function printTimeline(simulation: Simulation): void {
  const { report, message } = simulation;
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
}

function clockText(seconds: number): string {
  const whole = Math.floor(seconds);
  return `${String(Math.floor(whole / 60)).padStart(2, '0')}:${String(whole % 60).padStart(2, '0')}`;
}

function printSimulation(appSpec: LambdaAppSpec, configName: string, simulation: Simulation): void {
  const { report } = simulation;
  console.log(
    `Simulating ${configName}: ${appSpec.functionName}:${appSpec.alias} from version ${appSpec.currentVersion} to ${appSpec.targetVersion} (simulated time)`,
  );
  printTimeline(simulation);
  const traffic = report.rolledBack
    ? `rolled back: ${appSpec.alias} is on version ${appSpec.currentVersion} again`
    : `${appSpec.alias} serves ${Math.round((report.weights.at(-1)?.targetVersionWeight ?? 0) * 100)}% from version ${appSpec.targetVersion}`;
  console.log(`  ${traffic}; ${report.stateTransitions} state transitions`);
}
