import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { detectPlatform } from '../../functions/domain/appspec/index.js';
import { parseAppSpecSource } from '../../functions/domain/appspec/source.js';
import { DEFAULT_BUNDLE_LIMITS, formatBytes } from '../../functions/domain/bundle-checks.js';
import { DEFAULT_SCRIPTS_LOG_MAX_BYTES } from '../../functions/domain/instance-scripts/hooks.js';
import { nameProblem } from '../../functions/domain/names.js';
import {
  getPredefinedConfig,
  PREDEFINED_DEPLOYMENT_CONFIGS,
} from '../../functions/domain/deployment-configs.js';
import { formatDeploymentId } from '../../functions/domain/deployment-id.js';
import type { ServerEnvironment } from '../../local/server-environment.js';
import { deploymentView, renderFailures, renderProgress, type DeploymentView } from '../deployment-view.js';
import { EXIT_BAD, EXIT_OK, UsageError } from '../exit-codes.js';
import { subcommand } from '../subcommand.js';

interface DeployOptions {
  application?: string;
  deploymentGroup: string;
  config: string;
  hosts: number;
  loadBalancer?: boolean;
  alarm5xxRate?: number;
  autoRollback?: boolean;
  stateDir: string;
  json?: boolean;
  maxBundleSize?: number;
  maxBundleEntries?: number;
  maxCompressionRatio?: number;
  maxLogSize?: number;
}

export function registerDeployCommand(program: Command): void {
  subcommand(
    program,
    'deploy',
    'Deploy a Server revision in place to local hosts, as CodeDeploy would to instances',
  )
    .argument('<revision>', 'a directory, a .zip, or a .tar/.tar.gz/.tgz holding an appspec.yml')
    .option(
      '--application <name>',
      "application name (default: the revision's directory name)",
      name('application'),
    )
    .option('--deployment-group <name>', 'deployment group name', name('deployment group'), 'local')
    .option('--config <name>', 'deployment configuration', 'CodeDeployDefault.OneAtATime')
    .option('--hosts <n>', 'number of local hosts', positiveInteger, 1)
    .option('--load-balancer', 'put the hosts behind a local load balancer (adds the traffic events)')
    .option(
      '--alarm-5xx-rate <percent>',
      "stop the deployment when the load balancer's 5xx rate reaches this",
      percent,
    )
    .option('--auto-rollback', 'on failure or alarm, redeploy the last successful revision')
    .option('--state-dir <dir>', 'where records and hosts live', '.stepdeploy')
    .option('--json', 'print one JSON object instead of live progress')
    .option(
      '--max-bundle-size <size>',
      `largest unpacked bundle, in bytes or with KiB/MiB/GiB (default ${formatBytes(DEFAULT_BUNDLE_LIMITS.maxUnpackedBytes)})`,
      byteSize,
    )
    .option(
      '--max-bundle-entries <n>',
      `most files, directories and links in a bundle (default ${DEFAULT_BUNDLE_LIMITS.maxEntries})`,
      positiveInteger,
    )
    .option(
      '--max-compression-ratio <n>',
      `highest unpacked-to-archive size ratio, against zip bombs (default ${DEFAULT_BUNDLE_LIMITS.maxCompressionRatio})`,
      positiveInteger,
    )
    .option(
      '--max-log-size <size>',
      `cap of each deployment's scripts.log on a host, newest lines kept (default ${formatBytes(DEFAULT_SCRIPTS_LOG_MAX_BYTES)})`,
      byteSize,
    )
    .action(async (revision: string, options: DeployOptions) => {
      const revisionPath = checkRevision(revision);
      checkServerRevision(revision, revisionPath);
      const configName = checkServerConfig(options.config);
      if (options.alarm5xxRate !== undefined && !options.loadBalancer) {
        throw new UsageError('--alarm-5xx-rate watches the load balancer: add --load-balancer.');
      }
      const applicationName = options.application ?? applicationNameOf(revisionPath);
      // Loaded here, not at the top: every other command would pay for the runtime at start-up.
      const { openServerEnvironment } = await import('../../local/server-environment.js');
      const env = await openServerEnvironment({
        stateDir: options.stateDir,
        hosts: options.hosts,
        loadBalancer: options.loadBalancer === true,
        ...(options.alarm5xxRate !== undefined ? { alarm5xxRatePercent: options.alarm5xxRate } : {}),
        bundleLimits: {
          ...(options.maxBundleSize !== undefined ? { maxUnpackedBytes: options.maxBundleSize } : {}),
          ...(options.maxBundleEntries !== undefined ? { maxEntries: options.maxBundleEntries } : {}),
          ...(options.maxCompressionRatio !== undefined
            ? { maxCompressionRatio: options.maxCompressionRatio }
            : {}),
        },
        ...(options.maxLogSize !== undefined ? { scriptsLogMaxBytes: options.maxLogSize } : {}),
      });
      if (env.loadBalancer && !options.json) {
        console.error(
          `load balancer: ${env.loadBalancer.url} (while this deployment runs; also in ${join(env.stateDir, 'runtime.json')})`,
        );
      }
      const interrupted = onInterrupt(env);
      try {
        const view = await runDeployment(env, {
          applicationName,
          deploymentGroupName: options.deploymentGroup,
          configName,
          revisionPath,
          autoRollback: options.autoRollback === true,
          live: !options.json && process.stdout.isTTY === true,
          // --json prints the one object and nothing else (errors aside).
          quiet: options.json === true,
        });
        if (options.json) console.log(JSON.stringify(view, null, 2));
        process.exitCode = view.status === 'Succeeded' ? EXIT_OK : EXIT_BAD;
      } finally {
        interrupted.dispose();
        await env.close();
      }
    });
}

export interface RunDeploymentInput {
  applicationName: string;
  deploymentGroupName: string;
  configName: string;
  revisionPath: string;
  autoRollback: boolean;
  /** Redraw the hosts-by-events table while it runs (a terminal); otherwise print one line per change. */
  live: boolean;
  quiet?: boolean;
}

/** Starts one deployment (and its automatic rollback, if one follows) and waits for the end. */
export async function runDeployment(
  env: ServerEnvironment,
  input: RunDeploymentInput,
): Promise<DeploymentView> {
  await env.putDeploymentGroup({
    applicationName: input.applicationName,
    deploymentGroupName: input.deploymentGroupName,
    deploymentConfigName: input.configName,
    autoRollback: input.autoRollback,
  });
  const { bundleTypeOf } = await import('../../functions/adapters/bundle/read-bundle.js');
  const deploymentId = formatDeploymentId(new Uint8Array(randomBytes(9)));
  await env.runtime.startDeployment(
    { computePlatform: 'Server', deploymentType: 'IN_PLACE' },
    {
      deploymentId,
      applicationName: input.applicationName,
      deploymentGroupName: input.deploymentGroupName,
      deploymentConfigName: input.configName,
      revision: {
        revisionType: 'Local',
        localLocation: { path: input.revisionPath, bundleType: await bundleTypeOf(input.revisionPath) },
      },
    },
  );
  const view = await follow(env, deploymentId, input, `Deployment ${deploymentId}`);
  if (view.rollbackDeploymentId) {
    await follow(env, view.rollbackDeploymentId, input, `Rollback ${view.rollbackDeploymentId}`);
    return current(env, deploymentId);
  }
  return view;
}

async function current(env: ServerEnvironment, deploymentId: string): Promise<DeploymentView> {
  const store = env.runtime.deps.store;
  const record = await store.getDeployment(deploymentId);
  if (!record) throw new Error(`The deployment ${deploymentId} has no record.`);
  return deploymentView(record, await store.listDeploymentTargets(deploymentId));
}

async function follow(
  env: ServerEnvironment,
  deploymentId: string,
  input: RunDeploymentInput,
  title: string,
): Promise<DeploymentView> {
  let outcome = env.runtime.outcome(deploymentId);
  while (!outcome) {
    await new Promise((r) => setTimeout(r, 50));
    outcome = env.runtime.outcome(deploymentId);
  }
  const logUpdate = input.live ? await liveOutput() : undefined;
  let done = false;
  void outcome.finally(() => (done = true));
  let lastLine = '';
  while (!done) {
    const view = await current(env, deploymentId).catch(() => undefined);
    if (view && !input.quiet) {
      if (logUpdate) logUpdate(renderProgress(view, title, terminalColumns()));
      else {
        const line = summaryLine(view, title);
        if (line !== lastLine) console.error(line);
        lastLine = line;
      }
    }
    await Promise.race([outcome, new Promise((r) => setTimeout(r, 250))]);
  }
  const view = await current(env, deploymentId);
  if (!input.quiet) {
    if (logUpdate) {
      logUpdate(renderProgress(view, title, terminalColumns()));
      logUpdate.done();
    } else console.error(summaryLine(view, title));
    if (view.status !== 'Succeeded') console.error(renderFailures(view));
  }
  return view;
}

/** The terminal's width; one that reports 0 columns (some CI consoles) gets the classic 80. */
function terminalColumns(): number {
  return process.stdout.columns || 80;
}

/**
 * log-update on standard output, seen through a terminal that never reports 0 rows or columns: with
 * 0 rows log-update prints nothing at all, with 0 columns it wraps every character.
 */
async function liveOutput() {
  const { createLogUpdate } = await import('log-update');
  const terminal = {
    isTTY: process.stdout.isTTY,
    get columns() {
      return terminalColumns();
    },
    get rows() {
      return process.stdout.rows || 24;
    },
    write: (text: string) => process.stdout.write(text),
  };
  return createLogUpdate(terminal as unknown as NodeJS.WriteStream);
}

/** One line per change when there is no terminal to redraw (CI logs, --json). */
function summaryLine(view: DeploymentView, title: string): string {
  const hosts = view.instances
    .map((instance) => {
      const running = instance.events.find((event) => event.status === 'InProgress');
      return `${instance.id}=${running ? running.name : instance.status}`;
    })
    .join(' ');
  return `${title}: ${view.status} ${hosts}`;
}

function onInterrupt(env: ServerEnvironment) {
  const handler = () => {
    console.error(
      "\nstepdeploy: interrupted; the deployment is marked failed and the group unlocked. `stepdeploy hosts stop` ends the hosts' processes.",
    );
    void env.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return {
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return n;
}

function percent(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 100)
    throw new InvalidArgumentError('must be a percentage above 0 and at most 100');
  return n;
}

function checkRevision(revision: string): string {
  const path = resolve(revision);
  if (!existsSync(path)) throw new UsageError(`the revision ${revision} does not exist`);
  const isDirectory = statSync(path).isDirectory();
  if (!isDirectory && !/\.(zip|tar|tgz|tar\.gz)$/i.test(path)) {
    throw new UsageError(`the revision ${revision} must be a directory, a .zip, a .tar, a .tar.gz or a .tgz`);
  }
  return path;
}

function applicationNameOf(path: string): string {
  return (
    basename(path)
      .replace(/\.(zip|tar|tgz|tar\.gz)$/i, '')
      .replace(/[^A-Za-z0-9._+=,@-]/g, '-')
      .slice(0, 100) || 'app'
  );
}

/** An application or group name, checked where it is given (CodeDeploy's rule). */
function name(kind: 'application' | 'deployment group') {
  return (value: string): string => {
    const problem = nameProblem(kind, value);
    if (problem !== undefined) throw new InvalidArgumentError(problem);
    return value;
  };
}

const SIZE = /^(\d+)\s*(B|KiB|MiB|GiB|TiB)?$/i;
const UNIT: Record<string, number> = { b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };

/** `2GiB`, `512 MiB`, `1048576`: a size in bytes. */
function byteSize(value: string): number {
  const match = SIZE.exec(value.trim());
  const bytes = match ? Number(match[1]) * (UNIT[(match[2] ?? 'b').toLowerCase()] ?? 1) : NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    throw new InvalidArgumentError(
      'must be a size in bytes, or a whole number with KiB, MiB, GiB or TiB (e.g. 2GiB)',
    );
  }
  return bytes;
}

/**
 * A directory revision whose AppSpec is a Lambda or ECS one: `deploy` runs Server deployments on
 * local hosts, so say what the revision is and where it goes instead of failing on its missing `os`.
 */
function checkServerRevision(given: string, path: string): void {
  if (!statSync(path).isDirectory()) return;
  const file = ['appspec.yaml', 'appspec.yml', 'appspec.json']
    .map((candidate) => join(path, candidate))
    .find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
  if (file === undefined) return;
  const platform = detectPlatform(parseAppSpecSource(readFileSync(file, 'utf8')).value);
  const shown = relative(process.cwd(), file) || file;
  if (platform === 'lambda') {
    throw new UsageError(
      `${given} holds a Lambda AppSpec (${shown} shifts a Lambda alias), and \`deploy\` deploys Server revisions to local hosts. Rehearse it with: stepdeploy simulate ${shown} --config CodeDeployDefault.LambdaCanary10Percent5Minutes`,
    );
  }
  if (platform === 'ecs') {
    throw new UsageError(
      `${given} holds an ECS AppSpec (${shown} replaces an ECS service's task set), and \`deploy\` deploys Server revisions to local hosts; stepdeploy deploys ECS services in AWS.`,
    );
  }
}

function checkServerConfig(name: string): string {
  const config = getPredefinedConfig(name) ?? getPredefinedConfig(`CodeDeployDefault.${name}`);
  if (!config || config.computePlatform !== 'Server') {
    const names = PREDEFINED_DEPLOYMENT_CONFIGS.filter((c) => c.computePlatform === 'Server').map(
      (c) => c.deploymentConfigName,
    );
    throw new UsageError(`unknown Server deployment config ${name}; use one of ${names.join(', ')}`);
  }
  return config.deploymentConfigName;
}
