/**
 * Server in-place deployments on the embedded runtime, for the flow tests: real local hosts (a root
 * directory each, real `sh` processes), the real state machine, records in dynalite on disk, and the
 * local load balancer when asked for. Revisions are built in temporary directories: an appspec.yml
 * and one tiny POSIX sh script per hook that appends `<revision> <event> <deployment id>` to
 * `${STEPDEPLOY_HOST_ROOT}/var/log/events.log`, so a test reads what ran where, from which revision.
 *
 * Every harness is torn down by `disposeServerHarnesses` (call it in afterEach): waiting hooks are
 * released, the host processes are ended, the environment is closed and the temporary directories
 * are removed, whether the test passed or not.
 */
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { runDeployment } from '../../../cli/commands/deploy.js';
import { blueGreenSetUp } from '../../../cli/deploy/blue-green-platform.js';
import type { BlueGreenSetUpOptions } from '../../../cli/deploy/platform.js';
import {
  LOCAL_5XX_ALARM,
  LOCAL_TARGET_GROUP,
  setUpServerPlatform,
} from '../../../cli/deploy/server-platform.js';
import { deploymentView, type DeploymentView } from '../../../cli/deployment-view.js';
import { startOwnServer, type ServiceConnection } from '../../../cli/service.js';
import type { InstanceCommandRequest } from '../../../functions/ports/instance-transport.js';
import type {
  DeploymentRecord,
  InstanceTargetRecord,
  LifecycleEventRecord,
} from '../../../functions/ports/records.js';
import { hostsDirectory, type LocalHost } from '../../../local/hosts/hosts.js';
import { stopHostProcesses } from '../../../local/hosts/processes.js';
import type { LocalHostTransport } from '../../../local/hosts/transport.js';
import type { LoadBalancerThread } from '../../../local/load-balancer/thread.js';
import type { LocalRuntime } from '../../../local/runtime/runtime.js';
import type { LocalServer } from '../../../local/server/server.js';

/** The server a harness deploys through (in this process), and the parts the tests look at. */
export interface HarnessEnv {
  connection: ServiceConnection;
  server: LocalServer;
  runtime: LocalRuntime;
  transport: LocalHostTransport;
  hosts: LocalHost[];
  /** The listener of the hosts' target group (`--load-balancer`). */
  loadBalancer?: LoadBalancerThread;
  alarmName?: string;
  close(): Promise<void>;
}

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const WEBAPP_EXAMPLE = join(repoRoot, 'examples', 'webapp');

export const APPLICATION = 'app';
export const GROUP = 'group';
export const ONE_AT_A_TIME = 'CodeDeployDefault.OneAtATime';
export const HALF_AT_A_TIME = 'CodeDeployDefault.HalfAtATime';
export const ALL_AT_ONCE = 'CodeDeployDefault.AllAtOnce';

/** The Server events an AppSpec can attach scripts to, in the order an in-place deployment runs them. */
export const HOOK_EVENTS = [
  'BeforeBlockTraffic',
  'AfterBlockTraffic',
  'ApplicationStop',
  'BeforeInstall',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
  'BeforeAllowTraffic',
  'AfterAllowTraffic',
] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

/** Every event of an in-place deployment without a load balancer, as each instance records them. */
export const EVENTS_WITHOUT_LB = [
  'ApplicationStop',
  'DownloadBundle',
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
];
/** ...and with one (CodeDeploy adds the six traffic events, reference §2.1). */
export const EVENTS_WITH_LB = [
  'BeforeBlockTraffic',
  'BlockTraffic',
  'AfterBlockTraffic',
  ...EVENTS_WITHOUT_LB,
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
];

export interface HookSpec {
  /** Shell run after the recording line (it may `exit n`); empty by default. */
  body?: string;
  timeout?: number;
  /** The AppSpec `location` (the harness writes the script there); default `scripts/<Event>.sh`. */
  location?: string;
  /** Leave the script out of the bundle: the AppSpec names a file that does not exist. */
  missing?: boolean;
}

export interface RevisionSpec {
  /** Also the revision's directory name and what its hooks record. */
  name: string;
  /** Extra behaviour per hook; every scriptable event gets a recording script anyway. */
  hooks?: Partial<Record<HookEvent, string | HookSpec>>;
  /** Files in the bundle besides the scripts: path in the bundle -> content. Default `app/version.txt`. */
  files?: Record<string, string>;
  /** The AppSpec `files` section; default `app` -> `/opt/app`. */
  install?: Array<{ source: string; destination: string }>;
  fileExistsBehavior?: 'DISALLOW' | 'OVERWRITE' | 'RETAIN';
  /** The whole appspec.yml, replacing the generated one (for invalid AppSpecs). */
  appSpecText?: string;
}

/** One line a hook appended to a host's events.log. */
export interface RecordedEvent {
  revision: string;
  event: string;
  deploymentId: string;
}

/** One lifecycle-event command the orchestrator sent, as SSM SendCommand would carry it. */
export interface SentCommand {
  deploymentId: string;
  event: string;
  instanceIds: string[];
}

export interface DeploymentResult {
  view: DeploymentView;
  record: DeploymentRecord;
  targets: Map<string, InstanceTargetRecord>;
}

export interface DeployResult extends DeploymentResult {
  /** The automatic rollback deployment, when one followed. */
  rollback?: DeploymentResult;
}

export interface DeployOptions {
  config?: string;
  autoRollback?: boolean;
  deploymentGroupName?: string;
  /** A blue/green harness: this deployment's options instead of the harness's. */
  blueGreen?: BlueGreenSetUpOptions;
}

export interface ServerHarness {
  env: HarnessEnv;
  workDir: string;
  stateDir: string;
  hosts: LocalHost[];
  /** Every lifecycle-event command sent so far, in order. */
  commands: SentCommand[];
  host(id: string): LocalHost;
  /** Builds a revision directory from the spec and returns its path. */
  revision(spec: RevisionSpec): string;
  /** A copy of examples/webapp whose VERSION is `name`, for the tests that need a real HTTP app. */
  webappRevision(name: string, edit?: (dir: string, appSpec: WebappAppSpec) => void): string;
  /** Runs one deployment (and the rollback that follows it, if any) to the end. */
  deploy(revisionPath: string, options?: DeployOptions): Promise<DeployResult>;
  /** Starts a deployment without waiting: its id as soon as Prepare recorded it, and its end. */
  start(
    revisionPath: string,
    options?: DeployOptions,
  ): Promise<{ deploymentId: string; done: Promise<DeployResult> }>;
  result(deploymentId: string): Promise<DeploymentResult>;
  /** What the hooks recorded on one host, in order. */
  events(hostId: string): RecordedEvent[];
  /** Lets every hook that waits for its host's release file go on. */
  release(): void;
  waitFor<T>(
    what: string,
    probe: () => Promise<T | undefined> | T | undefined,
    timeoutMs?: number,
  ): Promise<T>;
}

/** The parts of the webapp's AppSpec a test may change. */
export interface WebappAppSpec {
  hooks: Record<string, Array<{ location: string; timeout: number }>>;
}

export const EVENTS_LOG = join('var', 'log', 'events.log');
/** A hook that waits (at most 20 s) for this file in its host root; see `release()`. */
export const RELEASE_FILE = 'release-hooks';

/** Shell for a hook body: wait until the test releases the host's hooks (bounded, so nothing hangs). */
export const WAIT_FOR_RELEASE = [
  'n=0',
  `while [ ! -e "$STEPDEPLOY_HOST_ROOT/${RELEASE_FILE}" ] && [ "$n" -lt 200 ]; do sleep 0.1; n=$((n + 1)); done`,
].join('\n');

/** Shell for a hook body: fail with `code` on the hosts named, succeed elsewhere. */
export function failOn(hostIds: readonly string[], code = 3, message = 'failing on purpose'): string {
  const test = hostIds.map((id) => `[ "$STEPDEPLOY_HOST_ID" = ${id} ]`).join(' || ');
  return `if ${test}; then echo "${message} on $STEPDEPLOY_HOST_ID"; exit ${code}; fi`;
}

const harnesses: ServerHarness[] = [];

export async function openServerHarness(options: {
  hosts: number;
  loadBalancer?: boolean;
  alarm5xxRatePercent?: number;
  /** Blue/green (`deploy --blue-green`): the group copies its fleet of hosts for each deployment. */
  blueGreen?: BlueGreenSetUpOptions;
}): Promise<ServerHarness> {
  const workDir = mkdtempSync(join(tmpdir(), 'stepdeploy-server-flow-'));
  const stateDir = join(workDir, 'state');
  let env: HarnessEnv;
  const platform = {
    hosts: options.hosts,
    loadBalancer: options.loadBalancer === true,
    ...(options.alarm5xxRatePercent !== undefined
      ? { alarm5xxRatePercent: options.alarm5xxRatePercent }
      : {}),
    ...(options.blueGreen ? { blueGreen: options.blueGreen } : {}),
  };
  try {
    const connection = await startOwnServer(stateDir);
    const server = connection.server!;
    try {
      // The hosts, the group and its load balancer exist before the first deployment, as with `deploy`.
      const setUp = {
        applicationName: APPLICATION,
        deploymentGroupName: GROUP,
        configName: ONE_AT_A_TIME,
        autoRollback: false,
        ...platform,
      };
      if (platform.blueGreen) await blueGreenSetUp(connection, { ...setUp, loadBalancer: true });
      else await setUpServerPlatform(connection, setUp);
    } catch (error) {
      await connection.close();
      throw error;
    }
    const loadBalancer =
      platform.loadBalancer || platform.blueGreen
        ? server.loadBalancers.listener(LOCAL_TARGET_GROUP)
        : undefined;
    env = {
      connection,
      server,
      runtime: server.runtime,
      transport: server.transport,
      hosts: server.hosts().sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true })),
      ...(loadBalancer ? { loadBalancer } : {}),
      ...(platform.alarm5xxRatePercent !== undefined ? { alarmName: LOCAL_5XX_ALARM } : {}),
      close: () => connection.close({ abandon: true }),
    };
  } catch (error) {
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  }
  const harness = createHarness(env, workDir, stateDir, platform);
  harnesses.push(harness);
  return harness;
}

/** afterEach: ends every harness opened by the test, even when the test failed half-way. */
export async function disposeServerHarnesses(): Promise<void> {
  const open = harnesses.splice(0);
  const problems: unknown[] = [];
  for (const harness of open) {
    const hostsDir = hostsDirectory(harness.stateDir);
    try {
      // Hooks still waiting, and the apps they started, end first: closing waits for running commands.
      harness.release();
      await stopHostProcesses(hostsDir, 1000);
      await harness.env.close();
      await stopHostProcesses(hostsDir, 1000);
    } catch (error) {
      problems.push(error);
    } finally {
      rmSync(harness.workDir, { recursive: true, force: true });
    }
  }
  if (problems.length > 0) throw new AggregateError(problems, 'Tearing down a server harness failed');
}

function createHarness(
  env: HarnessEnv,
  workDir: string,
  stateDir: string,
  platform: {
    hosts: number;
    loadBalancer: boolean;
    alarm5xxRatePercent?: number;
    blueGreen?: BlueGreenSetUpOptions;
  },
): ServerHarness {
  const store = env.runtime.deps.store;
  const commands: SentCommand[] = [];
  // Seeing every command the orchestrator sends is how the tests check batches; the command still runs.
  const send = env.transport.sendCommand.bind(env.transport);
  env.transport.sendCommand = (request: InstanceCommandRequest) => {
    const [deploymentId = '', event = ''] = (request.comment ?? '').split(' ');
    commands.push({ deploymentId, event, instanceIds: [...request.instanceIds] });
    return send(request);
  };

  const result = async (deploymentId: string): Promise<DeploymentResult> => {
    const record = await store.getDeployment(deploymentId);
    if (!record) throw new Error(`No deployment ${deploymentId}`);
    const list = await store.listDeploymentTargets(deploymentId);
    return {
      view: deploymentView(record, list),
      record,
      targets: new Map(list.map((target) => [target.targetId, target])),
    };
  };

  const withRollback = async (view: DeploymentView): Promise<DeployResult> => {
    const main = await result(view.deploymentId);
    return view.rollbackDeploymentId ? { ...main, rollback: await result(view.rollbackDeploymentId) } : main;
  };

  const run = (revisionPath: string, options: DeployOptions) =>
    runDeployment(env.connection, {
      applicationName: APPLICATION,
      deploymentGroupName: options.deploymentGroupName ?? GROUP,
      configName: options.config ?? ONE_AT_A_TIME,
      revisionPath,
      ...platform,
      ...(options.blueGreen ? { blueGreen: options.blueGreen } : {}),
      autoRollback: options.autoRollback ?? false,
      live: false,
      quiet: true,
    });

  const waitFor = async <T>(
    what: string,
    probe: () => Promise<T | undefined> | T | undefined,
    timeoutMs = 60_000,
  ): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  // Blue/green deployments make hosts: every host the server knows, then the ones it had at the start.
  const host = (id: string): LocalHost => {
    const found = env.server.hosts().find((h) => h.id === id) ?? env.hosts.find((h) => h.id === id);
    if (!found) throw new Error(`No host ${id}`);
    return found;
  };

  return {
    env,
    workDir,
    stateDir,
    hosts: env.hosts,
    commands,
    host,
    revision: (spec) => buildRevision(join(workDir, 'revisions'), spec),
    webappRevision: (name, edit) => buildWebappRevision(join(workDir, 'revisions'), name, edit),
    deploy: async (revisionPath, options = {}) => withRollback(await run(revisionPath, options)),
    async start(revisionPath, options = {}) {
      const known = new Set((await store.listDeployments()).map((d) => d.deploymentId));
      const done = run(revisionPath, options).then(withRollback);
      // A failure before the id is known must still surface, not hang the wait below.
      let failed: unknown;
      done.catch((error: unknown) => (failed = error ?? new Error('the deployment failed')));
      const deploymentId = await waitFor('the deployment to be recorded', async () => {
        if (failed) throw failed;
        const fresh = (await store.listDeployments()).find((d) => !known.has(d.deploymentId));
        return fresh?.deploymentId;
      });
      return { deploymentId, done };
    },
    result,
    events: (hostId) => readEvents(host(hostId)),
    release() {
      for (const h of [...env.hosts, ...env.server.hosts()]) {
        // A host root a test replaced by a file has nothing to release.
        try {
          writeFileSync(join(h.root, RELEASE_FILE), '');
        } catch {
          // not a directory any more
        }
      }
    },
    waitFor,
  };
}

function readEvents(host: LocalHost): RecordedEvent[] {
  const file = join(host.root, EVENTS_LOG);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [revision = '', event = '', deploymentId = ''] = line.split(' ');
      return { revision, event, deploymentId };
    });
}

/** The line every generated hook starts with: what ran, from which revision, for which deployment. */
function recordingScript(revisionName: string, body: string): string {
  return [
    '#!/bin/sh',
    `# ${revisionName}: records the event, then does what the test asked.`,
    'mkdir -p "${STEPDEPLOY_HOST_ROOT:-}/var/log"',
    `printf '%s %s %s\\n' ${revisionName} "$LIFECYCLE_EVENT" "$DEPLOYMENT_ID" >>"\${STEPDEPLOY_HOST_ROOT:-}/${EVENTS_LOG}"`,
    `echo "${revisionName} $LIFECYCLE_EVENT on $STEPDEPLOY_HOST_ID"`,
    body,
    'exit 0',
    '',
  ].join('\n');
}

function buildRevision(parent: string, spec: RevisionSpec): string {
  const dir = join(parent, spec.name);
  if (existsSync(dir)) throw new Error(`The revision ${spec.name} exists already`);
  mkdirSync(join(dir, 'scripts'), { recursive: true });
  const files = spec.files ?? { 'app/version.txt': `${spec.name}\n` };
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  const hooks: string[] = [];
  for (const event of HOOK_EVENTS) {
    const given = spec.hooks?.[event];
    const hook: HookSpec = typeof given === 'string' ? { body: given } : (given ?? {});
    const location = hook.location ?? `scripts/${event}.sh`;
    if (!hook.missing) {
      const script = join(dir, location);
      mkdirSync(dirname(script), { recursive: true });
      writeFileSync(script, recordingScript(spec.name, hook.body ?? ''));
      chmodSync(script, 0o755);
    }
    hooks.push(`  ${event}:`, `    - location: ${location}`, `      timeout: ${hook.timeout ?? 30}`);
  }
  const install = spec.install ?? [{ source: 'app', destination: '/opt/app' }];
  const appSpec =
    spec.appSpecText ??
    [
      'version: 0.0',
      'os: linux',
      ...(install.length > 0
        ? [
            'files:',
            ...install.flatMap((f) => [`  - source: ${f.source}`, `    destination: ${f.destination}`]),
          ]
        : []),
      `file_exists_behavior: ${spec.fileExistsBehavior ?? 'OVERWRITE'}`,
      'hooks:',
      ...hooks,
      '',
    ].join('\n');
  writeFileSync(join(dir, 'appspec.yml'), appSpec);
  return dir;
}

function buildWebappRevision(
  parent: string,
  name: string,
  edit?: (dir: string, appSpec: WebappAppSpec) => void,
): string {
  const dir = join(parent, name);
  cpSync(WEBAPP_EXAMPLE, dir, { recursive: true });
  writeFileSync(join(dir, 'app', 'VERSION'), `${name}\n`);
  if (edit) {
    const file = join(dir, 'appspec.yml');
    const appSpec = parse(readFileSync(file, 'utf8')) as WebappAppSpec;
    edit(dir, appSpec);
    writeFileSync(file, stringify(appSpec));
  }
  return dir;
}

export const HEALTH_CONSTRAINTS_MESSAGE =
  'The overall deployment failed because too many individual instances failed deployment, too few healthy instances are available for deployment, or some instances in your deployment group are experiencing problems.';

/** One instance's lifecycle event record (status, times, diagnostics). */
export function eventOf(result: DeploymentResult, hostId: string, event: string): LifecycleEventRecord {
  const found = result.targets.get(hostId)?.lifecycleEvents.find((e) => e.lifecycleEventName === event);
  if (!found) throw new Error(`No ${event} on ${hostId} in ${result.record.deploymentId}`);
  return found;
}

/** Event name -> status, for one instance. */
export function eventStatuses(result: DeploymentResult, hostId: string): Record<string, string> {
  const target = result.targets.get(hostId);
  if (!target) throw new Error(`No target ${hostId} in ${result.record.deploymentId}`);
  return Object.fromEntries(target.lifecycleEvents.map((e) => [e.lifecycleEventName, e.status]));
}

/** What an instance that failed `failed` shows: Succeeded before it, Skipped after it. */
export function stoppedAt(
  failed: string,
  events: readonly string[] = EVENTS_WITHOUT_LB,
): Record<string, string> {
  const at = events.indexOf(failed);
  if (at < 0) throw new Error(`${failed} is not one of the events`);
  return Object.fromEntries(
    events.map((name, index) => [name, index < at ? 'Succeeded' : index === at ? 'Failed' : 'Skipped']),
  );
}

export function allWith(
  status: string,
  events: readonly string[] = EVENTS_WITHOUT_LB,
): Record<string, string> {
  return Object.fromEntries(events.map((name) => [name, status]));
}
