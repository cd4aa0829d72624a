import { InvalidArgumentError as CommanderInvalidArgument, type Command } from 'commander';
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
