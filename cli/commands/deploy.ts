import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { detectPlatform } from '../../functions/domain/appspec/index.js';
import { parseAppSpecSource } from '../../functions/domain/appspec/source.js';
import { DEFAULT_BUNDLE_LIMITS, formatBytes } from '../../functions/domain/bundle-checks.js';
import { DEFAULT_SCRIPTS_LOG_MAX_BYTES } from '../../functions/domain/instance-scripts/hooks.js';
import { nameProblem } from '../../functions/domain/names.js';
import { MAX_BLUE_GREEN_WAIT_MINUTES } from '../../functions/domain/server-blue-green.js';
import { predefinedConfig } from '../deploy/configs.js';
import type { EcsRevision } from '../deploy/ecs-revision.js';
import type { BlueGreenSetUpOptions, PlatformSetUpInput, PlatformSetUpStep } from '../deploy/platform.js';
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
  blueGreen?: boolean;
  readyWait?: number;
  /** Server blue/green and ECS alike: how long the originals stay once the replacement serves. */
  terminationWait?: number;
  keepOriginals?: boolean;
  loadBalancerPort?: number;
  tasks: number;
  listenerPort?: number;
  testListenerPort?: number;
  service?: string;
}

/** The flags that concern one platform only, by their option names. */
const SERVER_FLAGS = [
  'hosts',
  'loadBalancer',
  'maxBundleSize',
  'maxBundleEntries',
  'maxCompressionRatio',
  'maxLogSize',
  'bucket',
  'blueGreen',
  'readyWait',
  'keepOriginals',
  'loadBalancerPort',
] as const;
const ECS_FLAGS = ['tasks', 'listenerPort', 'testListenerPort', 'service'] as const;

export function registerDeployCommand(program: Command): void {
  subcommand(
    program,
    'deploy',
    'Deploy a revision: a Server revision to local hosts (in place, or --blue-green), or an ECS AppSpec blue/green to a local ECS service',
  )
    .argument(
      '<revision>',
      'a directory, a .zip, or a .tar/.tar.gz/.tgz holding an appspec.yml; or a directory holding an ECS appspec.yaml',
    )
    .option(
      '--application <name>',
      "application name (default: the revision's directory name)",
      name('application'),
    )
    .option('--deployment-group <name>', 'deployment group name', name('deployment group'), 'local')
    .addOption(
      new Option(
        '--config <name>',
        'deployment configuration, predefined or made with `config create`',
      ).default(
        'CodeDeployDefault.OneAtATime',
        // ECS revisions get theirs when the flag is not given (see `given` below).
        'CodeDeployDefault.OneAtATime; ECS: CodeDeployDefault.ECSAllAtOnce',
      ),
    )
    .option('--hosts <n>', 'number of local hosts', positiveInteger, 1)
    .option('--load-balancer', 'put the hosts behind a local load balancer (adds the traffic events)')
    .option(
      '--alarm-5xx-rate <percent>',
      "stop the deployment when the load balancer's 5xx rate reaches this",
      percent,
    )
    .option('--auto-rollback', 'on failure or alarm, redeploy the last successful revision')
    .option(
      '--blue-green',
      'deploy to a replacement fleet of new hosts, then reroute the load balancer from the originals to it',
    )
    .option(
      '--ready-wait <minutes>',
      'with --blue-green: wait for `stepdeploy continue ID` before the reroute; stop if none comes in time',
      waitMinutes(1),
    )
    .option(
      '--termination-wait <minutes>',
      'with --blue-green: keep the originals this long after the reroute; ECS: keep the original task set this long once the replacement serves everything (default 0)',
      waitMinutes(0),
    )
    .option('--keep-originals', 'with --blue-green: leave the originals running, out of the load balancer')
    .option('--load-balancer-port <port>', "the local load balancer's port (0: a free one)", port)
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
    .option('--tasks <n>', 'ECS: tasks per task set of a service the deployment creates', positiveInteger, 2)
    .option('--listener-port <port>', "ECS: the production listener's port (default: a free one)", port)
    .option('--test-listener-port <port>', 'ECS: add a test listener on this port (0: a free one)', port)
    .option(
      '--service <name>',
      "ECS: the local ECS service (default: the task definition's family)",
      serviceName,
    )
    .action(async (revision: string, options: DeployOptions, command: Command) => {
      const endpointUrl = options.endpointUrl ?? globalEndpointUrl(command);
      const revisionPath = checkRevision(revision);
      const given = (flag: string) => command.getOptionValueSource(flag) === 'cli';
      const ecsAppSpec = ecsAppSpecIn(revision, revisionPath);
      let ecs: EcsRevision | undefined;
      let blueGreen: BlueGreenSetUpOptions | undefined;
      if (ecsAppSpec) {
        refuseFlags(
          SERVER_FLAGS.filter(given),
          revision,
          'an ECS AppSpec',
          'Server revisions on local hosts',
        );
        if (endpointUrl) {
          throw new UsageError(
            'ECS revisions are deployed to a local ECS service; in AWS, register the task definition and call CreateDeployment with an AppSpec naming its ARN (aws deploy create-deployment, or the SDK).',
          );
        }
        const { readEcsRevision, EcsRevisionError } = await import('../deploy/ecs-revision.js');
        try {
          ecs = readEcsRevision(ecsAppSpec);
        } catch (error) {
          if (!(error instanceof EcsRevisionError)) throw error;
          // The revision is bad (exit 1), and nothing was touched: no server was even started.
          console.error(`stepdeploy: ${error.message}`);
          for (const issue of error.issues) {
            const at = issue.line !== undefined ? ` (line ${issue.line})` : '';
            console.error(`  ${issue.path || '(document)'}${at}: ${issue.message}`);
          }
          process.exitCode = EXIT_BAD;
          return;
        }
      } else {
        refuseFlags(ECS_FLAGS.filter(given), revision, 'a Server revision', 'ECS AppSpecs');
        blueGreen = checkBlueGreen(options);
        if (options.alarm5xxRate !== undefined && !options.loadBalancer && !blueGreen) {
          throw new UsageError('--alarm-5xx-rate watches the load balancer: add --load-balancer.');
        }
      }
      const configName = ecs
        ? given('config')
          ? options.config
          : 'CodeDeployDefault.ECSAllAtOnce'
        : options.config;
      // A predefined name is checked here; any other must be a custom config, asked about on the service.
      predefinedConfig(configName, ecs ? 'ECS' : 'Server');
      const applicationName = options.application ?? (ecs ? ecs.family : applicationNameOf(revisionPath));
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
        if (
          options.loadBalancer ||
          options.alarm5xxRate !== undefined ||
          serverSettings ||
          blueGreen ||
          options.loadBalancerPort !== undefined
        ) {
          throw new UsageError(
            '--load-balancer, --load-balancer-port, --alarm-5xx-rate, --blue-green and the limit options concern local hosts; in AWS the deployment group names its target groups, alarms and blue/green options.',
          );
        }
        connection = await service.connectToEndpoint(endpointUrl);
      } else {
        // The server running for the state directory, else one of this process, for its duration.
        connection = await service.connectOrStartServer(options.stateDir, {
          ...(Object.keys(limits).length ? { bundleLimits: limits } : {}),
          ...(options.maxLogSize !== undefined ? { scriptsLogMaxBytes: options.maxLogSize } : {}),
          ...(options.loadBalancerPort !== undefined ? { loadBalancerPort: options.loadBalancerPort } : {}),
        });
        if (connection.kind === 'running-server' && serverSettings) {
          await connection.close();
          throw new UsageError(
            `the limit options are the server's settings, and a stepdeploy server is running for ${resolve(options.stateDir)}: pass them to \`stepdeploy server\`, or stop it.`,
          );
        }
        if (connection.kind === 'running-server' && options.loadBalancerPort !== undefined) {
          await connection.close();
          throw new UsageError(
            `--load-balancer-port sets the load balancer of the server \`deploy\` starts, and a stepdeploy server is running for ${resolve(options.stateDir)} with its own: stop it, or deploy without --load-balancer-port.`,
          );
        }
      }
      const interrupted = onInterrupt(connection, () => startedId);
      let startedId: string | undefined;
      let rollbackId: string | undefined;
      try {
        if (ecs) {
          await deployEcs(connection, ecs, {
            ...options,
            applicationName,
            configName,
            onStarted: (deploymentId) => (startedId = deploymentId),
            ...(given('tasks') ? { desiredCount: options.tasks } : {}),
          });
          return;
        }
        const view = await runDeployment(connection, {
          applicationName,
          deploymentGroupName: options.deploymentGroup,
          configName,
          revisionPath,
          hosts: options.hosts,
          // Blue/green reroutes through the load balancer: it has one whatever the flags say.
          loadBalancer: options.loadBalancer === true || blueGreen !== undefined,
          ...(blueGreen ? { blueGreen } : {}),
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
  const { checkConfigOnService } = await import('../deploy/configs.js');
  await checkConfigOnService(connection.codedeploy, input.configName, 'Server');
  if (connection.kind !== 'endpoint') {
    const setUp =
      input.setUp ??
      (input.blueGreen
        ? (await import('../deploy/blue-green-platform.js')).blueGreenSetUp
        : (await import('../deploy/server-platform.js')).serverSetUp);
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
 * The ECS AppSpec of a directory revision, if it holds one. A Lambda AppSpec is refused by name:
 * `deploy` deploys Server revisions to local hosts and ECS revisions to a local ECS service, and
 * `simulate` rehearses Lambda ones.
 */
function ecsAppSpecIn(given: string, path: string): string | undefined {
  if (!statSync(path).isDirectory()) return undefined;
  const file = ['appspec.yaml', 'appspec.yml', 'appspec.json']
    .map((candidate) => join(path, candidate))
    .find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
  if (file === undefined) return undefined;
  const platform = detectPlatform(parseAppSpecSource(readFileSync(file, 'utf8')).value);
  const shown = relative(process.cwd(), file) || file;
  if (platform === 'lambda') {
    throw new UsageError(
      `${given} holds a Lambda AppSpec (${shown} shifts a Lambda alias), and \`deploy\` deploys Server revisions to local hosts and ECS AppSpecs to a local ECS service. Rehearse it with: stepdeploy simulate ${shown} --config CodeDeployDefault.LambdaCanary10Percent5Minutes`,
    );
  }
  return platform === 'ecs' ? file : undefined;
}

/** Flags of the other platform, given anyway: named, with what they are for. */
function refuseFlags(flags: readonly string[], given: string, what: string, forWhat: string): void {
  if (flags.length === 0) return;
  const names = flags.map((flag) => `--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
  throw new UsageError(
    `${names.join(', ')} ${names.length > 1 ? 'concern' : 'concerns'} ${forWhat}, and ${given} holds ${what}: leave ${names.length > 1 ? 'them' : 'it'} out.`,
  );
}

/** The ECS deployment of `deploy`: printed live on a terminal, or as one JSON object with --json. */
async function deployEcs(
  connection: ServiceConnection,
  revision: EcsRevision,
  options: DeployOptions & {
    applicationName: string;
    configName: string;
    desiredCount?: number;
    onStarted(deploymentId: string): void;
  },
): Promise<void> {
  const { runEcsDeployment, printEcsOutcome } = await import('../deploy/ecs-deploy.js');
  const { EcsSetUpError } = await import('../deploy/ecs-platform.js');
  const serviceName = options.service ?? revision.family;
  const quiet = options.json === true;
  try {
    const view = await runEcsDeployment(connection, {
      applicationName: options.applicationName,
      deploymentGroupName: options.deploymentGroup,
      configName: options.configName,
      autoRollback: options.autoRollback === true,
      ...(options.alarm5xxRate !== undefined ? { alarm5xxRatePercent: options.alarm5xxRate } : {}),
      revision,
      serviceName,
      ...(options.desiredCount !== undefined ? { desiredCount: options.desiredCount } : {}),
      ...(options.listenerPort !== undefined ? { listenerPort: options.listenerPort } : {}),
      ...(options.testListenerPort !== undefined ? { testListenerPort: options.testListenerPort } : {}),
      terminationWaitMinutes: options.terminationWait ?? 0,
      live: !quiet && process.stdout.isTTY === true,
      quiet,
      onStarted: options.onStarted,
      onService: (setUp) => {
        if (quiet) return;
        const file = join(connection.stateDir ?? options.stateDir, 'server.json');
        const when = connection.kind === 'own-server' ? 'while this command runs; ' : '';
        console.error(
          setUp.created
            ? `service ${setUp.serviceName} created in the cluster ${setUp.clusterName} with ${setUp.taskDefinitionArn}`
            : `service ${setUp.serviceName}: deploying ${setUp.taskDefinitionArn}`,
        );
        console.error(`production listener: ${setUp.listeners.production} (${when}also in ${file})`);
        if (setUp.listeners.test) console.error(`test listener: ${setUp.listeners.test}`);
      },
    });
    if (quiet) console.log(JSON.stringify(view, null, 2));
    else printEcsOutcome(view, serviceName);
    process.exitCode = view.status === 'Succeeded' ? EXIT_OK : EXIT_BAD;
  } catch (error) {
    if (!(error instanceof EcsSetUpError)) throw error;
    // The local ECS service refused the revision's task definition or a flag: nothing was deployed.
    console.error(`stepdeploy: ${error.message}`);
    process.exitCode = EXIT_BAD;
  }
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('must be a port from 0 to 65535');
  return n;
}

/** `--ready-wait` (at least `min`) and `--termination-wait`: whole minutes, at most CodeDeploy's 48 hours. */
function waitMinutes(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min || n > MAX_BLUE_GREEN_WAIT_MINUTES) {
      throw new InvalidArgumentError(
        `must be a whole number of minutes from ${min} to ${MAX_BLUE_GREEN_WAIT_MINUTES} (48 hours)`,
      );
    }
    return n;
  };
}

/** The blue/green flags, checked together; undefined without `--blue-green`. */
function checkBlueGreen(options: DeployOptions): BlueGreenSetUpOptions | undefined {
  if (!options.blueGreen) {
    const given = [
      options.readyWait !== undefined ? '--ready-wait' : undefined,
      options.terminationWait !== undefined ? '--termination-wait' : undefined,
      options.keepOriginals ? '--keep-originals' : undefined,
    ].filter((flag) => flag !== undefined);
    if (given.length > 0)
      throw new UsageError(`${given.join(', ')} concern(s) blue/green deployments: add --blue-green.`);
    return undefined;
  }
  if (options.keepOriginals && options.terminationWait !== undefined) {
    throw new UsageError(
      '--termination-wait is how long the originals live before they are terminated, and --keep-originals never terminates them: give one of the two.',
    );
  }
  return {
    keepOriginals: options.keepOriginals === true,
    ...(options.readyWait !== undefined ? { readyWaitMinutes: options.readyWait } : {}),
    ...(options.terminationWait !== undefined ? { terminationWaitMinutes: options.terminationWait } : {}),
  };
}

function serviceName(value: string): string {
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(value)) {
    throw new InvalidArgumentError(
      'must be 1-255 letters, digits, hyphens or underscores (an ECS service name)',
    );
  }
  return value;
}
