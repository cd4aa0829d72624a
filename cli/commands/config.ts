import { InvalidArgumentError as CommanderInvalidArgument, Option, type Command } from 'commander';
import type {
  CodeDeployOperations,
  CreateDeploymentConfigInput,
} from '../../functions/domain/codedeploy-shapes.js';
import {
  getPredefinedConfig,
  PREDEFINED_DEPLOYMENT_CONFIGS,
  type DeploymentConfigInfo,
} from '../../functions/domain/deployment-configs.js';
import {
  afterResult,
  createServerSchedule,
  markStarted,
  nextAction,
  type ServerSchedule,
} from '../../functions/domain/server-plan.js';
import { trafficPlan } from '../../functions/domain/traffic-plan.js';
import { UsageError } from '../exit-codes.js';
import { subcommand } from '../subcommand.js';
import { globalEndpointUrl } from './deploy.js';

export function registerConfigCommands(program: Command): void {
  const config = subcommand(program, 'config', 'Deployment configurations');
  subcommand(
    config,
    'show',
    "Show a predefined config's plan: traffic steps with times, or batches for N instances",
  )
    .argument('<name>', 'a CodeDeployDefault.* config name (the prefix may be left out)')
    .option('--instances <n>', 'instances in the deployment group (Server configs)', positiveInteger, 10)
    .option('--json', 'print one JSON object instead of text')
    .action((name: string, options: { instances: number; json?: boolean }) => {
      const info = lookUp(name);
      const plan =
        info.computePlatform === 'Server' ? serverPlan(info, options.instances) : trafficPlanRows(info);
      if (options.json) console.log(JSON.stringify({ ...info, plan }, null, 2));
      else printPlan(info, plan, options.instances);
    });
  subcommand(config, 'list', 'List the predefined configs').action(() => {
    for (const info of PREDEFINED_DEPLOYMENT_CONFIGS)
      console.log(`${info.deploymentConfigName.padEnd(52)} ${info.computePlatform}`);
  });
  subcommand(
    config,
    'create',
    'Create a custom deployment config (CreateDeploymentConfig); --config takes it in deploy and simulate',
  )
    .argument('<name>', 'the config name (1-100 of A-Z a-z 0-9 . _ + = , @ -; not CodeDeployDefault.*)')
    .addOption(
      new Option('--platform <platform>', 'the compute platform it deploys to')
        .choices(['server', 'lambda', 'ecs'])
        .makeOptionMandatory(),
    )
    .option(
      '--canary <percent:minutes>',
      'Lambda, ECS: shift PERCENT, then the rest MINUTES later',
      trafficStep,
    )
    .option('--linear <percent:minutes>', 'Lambda, ECS: shift PERCENT more every MINUTES', trafficStep)
    .option('--all-at-once', 'Lambda, ECS: shift all traffic at once')
    .option(
      '--minimum-healthy-hosts <n|n%>',
      'Server: instances that must stay healthy, a count (N) or a share of the fleet (N%)',
      healthyHosts,
    )
    .option('--state-dir <dir>', 'the state directory whose service keeps it', '.stepdeploy')
    .option('--json', 'print the created config as one JSON object')
    .action(async (name: string, options: CreateOptions, command: Command) => {
      const input = createInput(name, options);
      const { deploymentConfigId } = await sendToService(
        options.stateDir,
        command,
        name,
        'CreateDeploymentConfig',
        input,
      );
      const created = { ...input, deploymentConfigId };
      if (options.json) console.log(JSON.stringify(created, null, 2));
      else
        console.log(
          `Created ${name} (${input.computePlatform}): ${describeConfig(input)}; id ${deploymentConfigId}`,
        );
    });
  subcommand(config, 'delete', 'Delete a custom deployment config (DeleteDeploymentConfig)')
    .argument('<name>', 'the custom config')
    .option('--state-dir <dir>', 'the state directory whose service keeps it', '.stepdeploy')
    .action(async (name: string, options: { stateDir: string }, command: Command) => {
      await sendToService(options.stateDir, command, name, 'DeleteDeploymentConfig', {
        deploymentConfigName: name,
      });
      console.log(`Deleted ${name}`);
    });
}

interface CreateOptions {
  platform: 'server' | 'lambda' | 'ecs';
  canary?: TrafficStep;
  linear?: TrafficStep;
  allAtOnce?: boolean;
  minimumHealthyHosts?: { type: 'HOST_COUNT' | 'FLEET_PERCENT'; value: number };
  stateDir: string;
  json?: boolean;
}

interface TrafficStep {
  percent: number;
  minutes: number;
}

/** `10:5`: 10 percent, 5 minutes. */
function trafficStep(value: string): TrafficStep {
  const match = /^(\d+):(\d+)$/.exec(value.trim());
  const percent = Number(match?.[1]);
  const minutes = Number(match?.[2]);
  if (!match || percent < 1 || percent > 99 || minutes < 1) {
    throw new CommanderInvalidArgument(
      'must be PERCENT:MINUTES, a whole percentage from 1 to 99 and whole minutes from 1 (e.g. 10:5)',
    );
  }
  return { percent, minutes };
}

/** `3` (hosts) or `75%` (of the fleet). */
function healthyHosts(value: string): { type: 'HOST_COUNT' | 'FLEET_PERCENT'; value: number } {
  const match = /^(\d+)(%?)$/.exec(value.trim());
  const n = Number(match?.[1]);
  if (!match || (match[2] === '%' && n > 99)) {
    throw new CommanderInvalidArgument(
      'must be a number of hosts (3) or a percentage of the fleet from 0% to 99% (75%)',
    );
  }
  return { type: match[2] === '%' ? 'FLEET_PERCENT' : 'HOST_COUNT', value: n };
}

const PLATFORMS = { server: 'Server', lambda: 'Lambda', ecs: 'ECS' } as const;

/** The CreateDeploymentConfig request, or a usage error naming the flags that do not go together. */
function createInput(
  name: string,
  options: CreateOptions,
): CreateDeploymentConfigInput & {
  computePlatform: 'Server' | 'Lambda' | 'ECS';
} {
  const platform = PLATFORMS[options.platform];
  const traffic = (
    [
      ['--canary', options.canary],
      ['--linear', options.linear],
      ['--all-at-once', options.allAtOnce],
    ] as const
  ).filter(([, value]) => value !== undefined && value !== false);
  if (platform === 'Server') {
    if (traffic.length > 0) {
      throw new UsageError(
        `${traffic.map(([flag]) => flag).join(', ')}: a Server config does not shift traffic; give --minimum-healthy-hosts N or N% (how many instances stay healthy while others deploy).`,
      );
    }
    if (!options.minimumHealthyHosts) {
      throw new UsageError(
        'a Server config needs --minimum-healthy-hosts N or N% (e.g. --minimum-healthy-hosts 75%).',
      );
    }
    return {
      deploymentConfigName: name,
      computePlatform: platform,
      minimumHealthyHosts: options.minimumHealthyHosts,
    };
  }
  if (options.minimumHealthyHosts) {
    throw new UsageError(
      `--minimum-healthy-hosts is for Server configs; ${platform === 'ECS' ? 'an' : 'a'} ${platform} config shifts traffic: give --canary PERCENT:MINUTES, --linear PERCENT:MINUTES or --all-at-once.`,
    );
  }
  if (traffic.length !== 1) {
    throw new UsageError(
      traffic.length === 0
        ? `${platform === 'ECS' ? 'an' : 'a'} ${platform} config needs one of --canary PERCENT:MINUTES, --linear PERCENT:MINUTES or --all-at-once.`
        : `${traffic.map(([flag]) => flag).join(' and ')} do not go together: give one of them.`,
    );
  }
  const trafficRoutingConfig: NonNullable<CreateDeploymentConfigInput['trafficRoutingConfig']> =
    options.canary
      ? {
          type: 'TimeBasedCanary',
          timeBasedCanary: {
            canaryPercentage: options.canary.percent,
            canaryInterval: options.canary.minutes,
          },
        }
      : options.linear
        ? {
            type: 'TimeBasedLinear',
            timeBasedLinear: {
              linearPercentage: options.linear.percent,
              linearInterval: options.linear.minutes,
            },
          }
        : { type: 'AllAtOnce' };
  return { deploymentConfigName: name, computePlatform: platform, trafficRoutingConfig };
}

function describeConfig(input: CreateDeploymentConfigInput): string {
  const routing = input.trafficRoutingConfig;
  if (input.minimumHealthyHosts) {
    const { type, value } = input.minimumHealthyHosts;
    return `at least ${type === 'FLEET_PERCENT' ? `${value}% of the instances` : `${value} instance(s)`} stay healthy`;
  }
  if (routing?.timeBasedCanary) {
    const { canaryPercentage, canaryInterval } = routing.timeBasedCanary;
    return `${canaryPercentage}% of traffic first, the rest ${canaryInterval} minute(s) later`;
  }
  if (routing?.timeBasedLinear) {
    const { linearPercentage, linearInterval } = routing.timeBasedLinear;
    return `${linearPercentage}% more traffic every ${linearInterval} minute(s)`;
  }
  return 'all traffic at once';
}

/**
 * One config operation on the state directory's service (or `--endpoint-url`), the service's refusal
 * turned into a usage error naming config `name`.
 */
async function sendToService<Op extends 'CreateDeploymentConfig' | 'DeleteDeploymentConfig'>(
  stateDir: string,
  command: Command,
  name: string,
  operation: Op,
  input: CodeDeployOperations[Op]['input'],
): Promise<CodeDeployOperations[Op]['output']> {
  const endpointUrl = globalEndpointUrl(command);
  const { openConfigOperations } = await import('../deploy/configs.js');
  const connection = (await openConfigOperations({ stateDir, ...(endpointUrl ? { endpointUrl } : {}) }))!;
  try {
    return await connection.send(operation, input).catch((error: unknown) => {
      throw refusal(error, name);
    });
  } finally {
    await connection.close();
  }
}

/** The service's refusal as a usage error naming the config (its exception name kept in the text). */
function refusal(error: unknown, name: string): Error {
  const code = error instanceof Error ? error.name : '';
  if (!/Exception$/.test(code)) return error as Error;
  const fix =
    code === 'DeploymentConfigAlreadyExistsException'
      ? ` (stepdeploy config delete ${name}, then create it again)`
      : code === 'DeploymentConfigInUseException'
        ? ' (a deployment group or an unfinished deployment uses it: change the group first)'
        : '';
  return new UsageError(`${name}: ${(error as Error).message}${fix} [${code}]`);
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new CommanderInvalidArgument('must be a whole number of at least 1');
  return n;
}

function lookUp(name: string): DeploymentConfigInfo {
  const info = getPredefinedConfig(name) ?? getPredefinedConfig(`CodeDeployDefault.${name}`);
  if (!info) {
    const names = PREDEFINED_DEPLOYMENT_CONFIGS.map((c) => c.deploymentConfigName).join(', ');
    throw new UsageError(`unknown deployment config ${name}. Predefined configs: ${names}`);
  }
  return info;
}

interface TrafficRow {
  atSeconds: number;
  weightPercent: number;
  bakeSeconds: number;
}

function trafficPlanRows(info: DeploymentConfigInfo): TrafficRow[] {
  let at = 0;
  return trafficPlan(info).map((step) => {
    const row = { atSeconds: at, ...step };
    at += step.bakeSeconds;
    return row;
  });
}

interface BatchRow {
  batch: number;
  instances: string[];
}

/** Batches when every instance is healthy and every one succeeds: the config's steady-state pace. */
export function serverPlan(
  info: DeploymentConfigInfo,
  n: number,
): BatchRow[] | { errorCode: string; message: string } {
  const ids = Array.from({ length: n }, (_, i) => `i-${String(i + 1).padStart(3, '0')}`);
  let schedule: ServerSchedule = createServerSchedule(
    ids.map((id) => ({ id, health: 'Healthy' as const, revision: 'Old' as const })),
    info,
  );
  const rows: BatchRow[] = [];
  for (;;) {
    const action = nextAction(schedule);
    if (action.kind === 'done') {
      if (action.outcome.status === 'Succeeded') return rows;
      return { errorCode: action.outcome.errorCode, message: action.outcome.message };
    }
    if (action.kind !== 'start') throw new Error(`unexpected scheduler action ${action.kind}`);
    rows.push({ batch: rows.length + 1, instances: action.instanceIds });
    schedule = markStarted(schedule, action.instanceIds);
    for (const id of action.instanceIds) schedule = afterResult(schedule, id, 'Succeeded');
  }
}

function clock(seconds: number): string {
  const m = Math.floor(seconds / 60);
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
}

function printPlan(
  info: DeploymentConfigInfo,
  plan: TrafficRow[] | BatchRow[] | { errorCode: string; message: string },
  n: number,
) {
  console.log(`${info.deploymentConfigName} (${info.computePlatform})`);
  if (info.minimumHealthyHosts) {
    console.log(
      `  minimum healthy hosts: ${info.minimumHealthyHosts.type} ${info.minimumHealthyHosts.value}`,
    );
  }
  if (!Array.isArray(plan)) {
    console.log(`  with ${n} instances the deployment cannot start: ${plan.errorCode}: ${plan.message}`);
    return;
  }
  for (const row of plan) {
    if ('batch' in row) {
      console.log(`  batch ${row.batch}: ${row.instances.length} instance(s) (${row.instances.join(', ')})`);
    } else {
      const bake = row.bakeSeconds > 0 ? `, then bake ${row.bakeSeconds / 60} min` : '';
      console.log(`  ${clock(row.atSeconds)}  shift ${row.weightPercent}% of traffic to the target${bake}`);
    }
  }
}
