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
import type { PlatformSetUpInput, PlatformSetUpStep } from '../deploy/platform.js';
import type { DeploymentView } from '../deployment-view.js';
import type { ServiceConnection } from '../service.js';
import { EXIT_BAD, EXIT_OK, UsageError } from '../exit-codes.js';
import { onInterrupt } from '../interrupt.js';
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
  endpointUrl?: string;
  bucket?: string;
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
    .option(
      '--endpoint-url <url>',
      "deploy through the stepdeploy API in AWS (the stack's ApiEndpointUrl) with the default credential chain",
    )
    .option(
      '--bucket <name>',
      "with --endpoint-url: the bucket to upload the revision to (the stack's RevisionBucketName)",
    )
    .action(async (revision: string, options: DeployOptions, command: Command) => {
      const endpointUrl = options.endpointUrl ?? globalEndpointUrl(command);
      const revisionPath = checkRevision(revision);
      checkServerRevision(revision, revisionPath);
      const configName = checkServerConfig(options.config);
      if (options.alarm5xxRate !== undefined && !options.loadBalancer) {
        throw new UsageError('--alarm-5xx-rate watches the load balancer: add --load-balancer.');
      }
      const applicationName = options.application ?? applicationNameOf(revisionPath);
      const limits = {
        ...(options.maxBundleSize !== undefined ? { maxUnpackedBytes: options.maxBundleSize } : {}),
        ...(options.maxBundleEntries !== undefined ? { maxEntries: options.maxBundleEntries } : {}),
        ...(options.maxCompressionRatio !== undefined
          ? { maxCompressionRatio: options.maxCompressionRatio }
          : {}),
      };
      const serverSettings = Object.keys(limits).length > 0 || options.maxLogSize !== undefined;
      // Loaded here, not at the top: every other command would pay for the SDK and the runtime.
      const service = await import('../service.js');
      let connection: ServiceConnection;
      if (endpointUrl) {
        if (!options.bucket) {
          throw new UsageError(
            "--endpoint-url needs --bucket: the revision is uploaded there first (the stack's RevisionBucketName).",
          );
        }
        if (options.loadBalancer || options.alarm5xxRate !== undefined || serverSettings) {
          throw new UsageError(
            '--load-balancer, --alarm-5xx-rate and the limit options concern local hosts; in AWS the deployment group names its target groups and alarms.',
          );
        }
        connection = await service.connectToEndpoint(endpointUrl);
      } else {
        // The server running for the state directory, else one of this process, for its duration.
        connection = await service.connectOrStartServer(options.stateDir, {
          ...(Object.keys(limits).length ? { bundleLimits: limits } : {}),
          ...(options.maxLogSize !== undefined ? { scriptsLogMaxBytes: options.maxLogSize } : {}),
        });
        if (connection.kind === 'running-server' && serverSettings) {
          await connection.close();
          throw new UsageError(
            `the limit options are the server's settings, and a stepdeploy server is running for ${resolve(options.stateDir)}: pass them to \`stepdeploy server\`, or stop it.`,
          );
        }
      }
      const interrupted = onInterrupt(connection, () => startedId);
      let startedId: string | undefined;
      let rollbackId: string | undefined;
      try {
        const view = await runDeployment(connection, {
          applicationName,
          deploymentGroupName: options.deploymentGroup,
          configName,
          revisionPath,
          hosts: options.hosts,
          loadBalancer: options.loadBalancer === true,
          ...(options.alarm5xxRate !== undefined ? { alarm5xxRatePercent: options.alarm5xxRate } : {}),
          autoRollback: options.autoRollback === true,
          ...(options.bucket ? { bucket: options.bucket } : {}),
          live: !options.json && process.stdout.isTTY === true,
          // --json prints the one object and nothing else (errors aside).
          quiet: options.json === true,
          onLoadBalancer: (url) => {
            if (!options.json) {
              const file = join(connection.stateDir ?? options.stateDir, 'server.json');
              const when = connection.kind === 'own-server' ? 'while this deployment runs; ' : '';
              console.error(`load balancer: ${url} (${when}also in ${file})`);
            }
          },
          onStarted: (deploymentId) => (startedId = deploymentId),
        });
        rollbackId = view.rollbackDeploymentId ?? undefined;
        if (options.json) console.log(JSON.stringify(view, null, 2));
        process.exitCode = view.status === 'Succeeded' ? EXIT_OK : EXIT_BAD;
      } finally {
        const own = [startedId, rollbackId].filter((id): id is string => id !== undefined);
        // Still interruptible while its server waits for other commands' deployments.
        await connection.close({ ownDeployments: own });
        interrupted.dispose();
      }
    });
}

/** `stepdeploy --endpoint-url URL deploy ...`: the program's option, when the command has none. */
export function globalEndpointUrl(command: Command): string | undefined {
  return (command.optsWithGlobals() as { endpointUrl?: string }).endpointUrl;
}

export interface RunDeploymentInput extends PlatformSetUpInput {
  revisionPath: string;
  /** The platform's set-up on a local server (default: Server hosts and their group); none in AWS. */
  setUp?: PlatformSetUpStep;
  /** In AWS: the bucket the revision is uploaded to. */
  bucket?: string;
  /** Redraw the hosts-by-events table while it runs (a terminal); otherwise print one line per change. */
  live: boolean;
  quiet?: boolean;
  onLoadBalancer?(url: string): void;
  onStarted?(deploymentId: string): void;
}

/**
 * One deployment through the service (and its automatic rollback, if one follows), to its end: the
 * platform's set-up (Server: hosts and the group selecting them), the revision uploaded to S3, then
 * CreateDeployment, as a CodeDeploy user would do it.
 */
export async function runDeployment(
  connection: ServiceConnection,
  input: RunDeploymentInput,
): Promise<DeploymentView> {
  const [{ bundleTypeOf }, { uploadRevision, CLI_REVISION_BUCKET }, { followDeployment }] = await Promise.all(
    [
      import('../../functions/adapters/bundle/read-bundle.js'),
      import('../deploy/revision-upload.js'),
      import('../deploy/follow.js'),
    ],
  );
  if (connection.kind !== 'endpoint') {
    const setUp = input.setUp ?? (await import('../deploy/server-platform.js')).serverSetUp;
    const ready = await setUp(connection, input);
    if (ready.loadBalancerUrl) input.onLoadBalancer?.(ready.loadBalancerUrl);
  }
  const revision = await uploadRevision(connection.uploads, {
    path: input.revisionPath,
    bundleType: await bundleTypeOf(input.revisionPath),
    applicationName: input.applicationName,
    deploymentGroupName: input.deploymentGroupName,
    bucket: input.bucket ?? CLI_REVISION_BUCKET,
    createBucket: connection.kind !== 'endpoint',
  });
  const { deploymentId } = await connection.codedeploy.send('CreateDeployment', {
    applicationName: input.applicationName,
    deploymentGroupName: input.deploymentGroupName,
    deploymentConfigName: input.configName,
    revision,
    ...(connection.kind === 'endpoint' && input.autoRollback
      ? {
          autoRollbackConfiguration: {
            enabled: true,
            events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'],
          },
        }
      : {}),
  });
  if (!deploymentId) throw new Error('CreateDeployment answered without a deployment id.');
  input.onStarted?.(deploymentId);
  return followDeployment(connection.codedeploy, deploymentId, {
    live: input.live,
    ...(input.quiet ? { quiet: true } : {}),
  });
}

export function positiveInteger(value: string): number {
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
export function byteSize(value: string): number {
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
