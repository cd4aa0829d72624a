/**
 * `stepdeploy server`: the composition root of the local runtime. One process hosts the
 * CodeDeploy-compatible API and the S3 endpoint (both SigV4-checked with the state directory's key),
 * the records (dynalite on a private Unix socket), the embedded engine running every flow's state
 * machine, the local hosts (one per registered on-premises instance, `<state-dir>/hosts/<name>/root`),
 * the local load balancers (one listener per target group a group names, created on first use, each
 * on its own thread), the local alarms, and the S3 trigger (an upload under
 * `<application>/<deployment-group>/` starts a deployment). `stepdeploy deploy` starts one in its own
 * process when none runs for the state directory.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { s3RevisionSourceAt } from '../../functions/adapters/aws/s3-revision-source.js';
import { activeDeploymentsFrom, groupDeploymentsFrom } from '../../functions/api/deployment-info.js';
import { deploymentUseCases } from '../../functions/api/deployment-use-cases.js';
import type { BundleLimits } from '../../functions/domain/bundle-checks.js';
import type { AppSpecValidator } from '../../functions/steps/deps.js';
import { formatDeploymentId } from '../../functions/domain/deployment-id.js';
import type { DeploymentGroupConfigStore } from '../../functions/ports/deployment-group-configs.js';
import type { ReplacementFleetPort } from '../../functions/ports/replacement-fleet.js';
import type { RevisionSourcePort } from '../../functions/ports/revision-source.js';
import type { StepSettings } from '../../functions/steps/deps.js';
import { onRevisionUploaded } from '../../functions/steps/on-revision-uploaded.js';
import { RealClock, type DefinitionValidator, type EngineClock } from '../engine/index.js';
import { EventProcessRecords } from '../hosts/event-processes.js';
import { ValidationThread } from '../threads/validation-thread.js';
import { hostsDirectory, type LocalHost } from '../hosts/hosts.js';
import { LocalHostTransport, removeScriptLeftovers } from '../hosts/transport.js';
import { endDeploymentsLeftRunning, recoverInterruptedDeployments } from '../runtime/recover.js';
import { createLocalRuntime, type LocalRuntime } from '../runtime/runtime.js';
import { lockStateDirForServer, type StateDirLock } from '../state-dir.js';
import { LocalAlarms } from './alarms.js';
import { CLI_REVISION_BUCKET } from './cli-bucket.js';
import { startControlPlaneListeners, type ControlPlaneListeners } from './listeners.js';
import { LocalLoadBalancers } from './load-balancers.js';
import { localEcsOperations } from './local-ecs-operations.js';
import { ServerEcs } from './server-ecs.js';
import { localHostProvisioner, onPremisesHost } from './on-premises-hosts.js';
import { LocalReplacementFleet } from './replacement-hosts.js';
import type { CreatedObject } from './s3-endpoint.js';
import {
  loadBalancerPorts,
  markServerStopped,
  updateServerListeners,
  updateServerLoadBalancers,
  type ServerFile,
  type ServerKey,
} from './server-file.js';

export interface LocalServerOptions {
  stateDir: string;
  /** The state directory's lock, when the caller took it already (else it is taken here). */
  lock?: StateDirLock;
  /** The API's port; 0 (the default) picks a free one. */
  port?: number;
  s3Port?: number;
  /** The first local load balancer's port (the others get free ones); 0 picks one. */
  loadBalancerPort?: number;
  region?: string;
  /** Limits on the revisions read (unpacked size, entries, compression ratio); defaults otherwise. */
  bundleLimits?: Partial<BundleLimits>;
  /** Cap of each deployment's scripts.log on a host. */
  scriptsLogMaxBytes?: number;
  /**
   * Where Prepare validates AppSpecs: a worker thread of the server's (the default), so a huge one
   * never stalls the API; the benchmark passes the in-process one to show the difference.
   */
  appSpecs?: AppSpecValidator;
  /** Where each flow's state machine is validated before its first deployment: as `appSpecs`. */
  definitions?: DefinitionValidator;
  clock?: EngineClock;
  /** Step settings over the server's (a compressed clock wants longer virtual timeouts: the demo). */
  settings?: Partial<StepSettings>;
  /** Items per page of the List operations (tests use small pages). */
  pageSize?: number;
  /** Where the server reports what it does (S3 triggers, failures); nothing by default. */
  log?(line: string): void;
  /** Also told of every object created in S3 (tests). */
  onObjectCreated?(object: CreatedObject): void;
  /** Also told of every unexpected API failure (tests). */
  onInternalError?(error: unknown, operation: string): void;
  /** The listeners' clock for signature times (tests). */
  now?: () => Date;
}

export interface LocalServer {
  stateDir: string;
  endpoint: string;
  s3Endpoint: string;
  key: ServerKey;
  /** What `<state-dir>/server.json` holds now. */
  serverFile(): ServerFile;
  runtime: LocalRuntime;
  transport: LocalHostTransport;
  loadBalancers: LocalLoadBalancers;
  /** The local ECS service (task definitions, services, task sets, their listeners), opened on first use. */
  ecs: ServerEcs;
  alarms: LocalAlarms;
  listeners: ControlPlaneListeners;
  /** The hosts of the registered on-premises instances, by name. */
  hosts(): LocalHost[];
  /** Interrupted deployments found and ended when the records were opened. */
  recovered: string[];
  /**
   * Lets go of everything once its deployments are done: the hosts' running scripts are waited for.
   * Called again (or after `shutdown`), it returns the same closing.
   */
  close(): Promise<void>;
  /**
   * Ctrl-C and SIGTERM: stops every unfinished deployment as StopDeployment does (no rollback: a
   * process on its way out cannot run one), gives them `withinMs` to end as Stopped, then ends what
   * still runs (the scripts' process groups, with SIGKILL), marks what did not end failed, and closes.
   * Resolves with the deployments it stopped.
   */
  shutdown(options?: { withinMs?: number }): Promise<string[]>;
  /** Whether close or shutdown has begun. */
  closing(): boolean;
}

/** How long a shutdown gives the stopped deployments to end before it ends their scripts itself. */
export const SHUTDOWN_STOP_MS = 3500;

/** The revision source, bound once the S3 endpoint it reads from listens. */
function deferredRevisions(): RevisionSourcePort & { bind(source: RevisionSourcePort): void } {
  let source: RevisionSourcePort | undefined;
  const bound = () => {
    if (!source) throw new Error('The S3 endpoint is not listening yet.');
    return source;
  };
  return {
    bind: (value) => void (source = value),
    readRevision: (revision) => bound().readRevision(revision),
    bundleLocation: (revision) => bound().bundleLocation(revision),
    readAppSpecFile: (revision) => bound().readAppSpecFile(revision),
  };
}

export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  // The directory's lock, held until close: one process serves a state directory's records.
  const lock = options.lock ?? (await lockStateDirForServer(options.stateDir));
  const stateDir = lock.stateDir;
  try {
    return await startHoldingLock(options, stateDir, lock.release);
  } catch (error) {
    await lock.release();
    throw error;
  }
}

async function startHoldingLock(
  options: LocalServerOptions,
  stateDir: string,
  releaseLock: () => Promise<void>,
): Promise<LocalServer> {
  const clock = options.clock ?? new RealClock();
  const log = options.log ?? (() => undefined);
  // Scripts of events a process that ended left running (it and its watcher were killed) end first.
  const eventProcesses = EventProcessRecords.of(stateDir);
  await eventProcesses.endLeftovers(hostsDirectory(stateDir));
  const transport = new LocalHostTransport([], {
    track: (work) => clock.track(work),
    records: eventProcesses,
  });
  const hosts = new Map<string, LocalHost>();
  // Read before the listeners rewrite server.json: each load balancer gets its port back.
  const loadBalancers = new LocalLoadBalancers((urls) => updateServerLoadBalancers(stateDir, urls), {
    ports: loadBalancerPorts(stateDir),
    ...(options.loadBalancerPort !== undefined ? { port: options.loadBalancerPort } : {}),
  });
  const joined = async (host: LocalHost) => {
    hosts.set(host.id, host);
    transport.addHost(host);
    await loadBalancers.addHost(host);
  };
  // Blue/green replacement fleets are new hosts (made through the records, bound once they open).
  const fleet: { port?: LocalReplacementFleet } = {};
  const fleetPort = deferredFleet(() => fleet.port);
  const alarmChanges: { handle?: LocalRuntime['onAlarmStateChange'] } = {};
  const alarms = new LocalAlarms((name, state) => alarmChanges.handle?.(name, state));
  const revisions = deferredRevisions();
  // The ECS services' listeners share a thread of their own, started when ECS is first used.
  const ecs = new ServerEcs({
    stateDir,
    onListenersChange: (urls) => updateServerListeners(stateDir, urls),
  });
  const closeEcs = () => ecs.close();

  // Prepare's AppSpec validation, and each flow's state machine's before its first deployment, run on
  // a worker thread: neither stalls the API or the load balancers.
  const validationThread = new ValidationThread();
  const appSpecs = options.appSpecs ?? validationThread;
  let runtime: LocalRuntime;
  try {
    runtime = await createLocalRuntime({
      clock,
      appSpecs,
      definitions: options.definitions ?? validationThread.validateDefinitions,
      databasePath: join(stateDir, 'records'),
      ports: { transport, revisions, loadBalancer: loadBalancers, alarms, fleet: fleetPort, ...ecs.ports },
      // Local health checks answer within a second; two minutes is plenty before an instance fails.
      settings: {
        trafficPollSeconds: 1,
        trafficTimeoutSeconds: 120,
        ...(options.scriptsLogMaxBytes !== undefined
          ? { scriptsLogMaxBytes: options.scriptsLogMaxBytes }
          : {}),
        ...options.settings,
      },
    });
  } catch (error) {
    await closeEcs();
    await validationThread.close();
    throw error;
  }
  ecs.connect(runtime);
  fleet.port = new LocalReplacementFleet({
    stateDir,
    instances: runtime.deps.controlPlane.onPremisesInstances,
    clock,
    region: options.region ?? 'us-east-1',
    joined,
    left: (id) => {
      hosts.delete(id);
      transport.removeHost(id);
    },
  });
  const closers: Array<() => Promise<unknown>> = [closeEcs, () => runtime.dispose()];
  closers.push(() => validationThread.close());
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };
  try {
    transport.onComplete((commandId) => runtime.onCommandComplete(commandId));
    alarmChanges.handle = runtime.onAlarmStateChange;
    const recovered = await recoverInterruptedDeployments(runtime.deps.store, clock.now());
    const uploaded = onRevisionUploaded(runtime.deps);
    const listeners = await startControlPlaneListeners({
      stateDir,
      database: runtime.database,
      deployments: deploymentUseCases(runtime.deps, { revisionTypes: ['S3', 'AppSpecContent', 'String'] }),
      hosts: localHostProvisioner(stateDir, joined),
      localOperations: localEcsOperations(() => ecs.open(), alarms),
      describeGroupDeployments: groupDeploymentsFrom(runtime.deps.store),
      activeDeploymentsUsingConfig: activeDeploymentsFrom(runtime.deps.store),
      onObjectCreated: async (object) => {
        options.onObjectCreated?.(object);
        await startFromUpload(object, uploaded, log);
      },
      onInternalError: (error, operation) => {
        options.onInternalError?.(error, operation);
        log(
          `API ${operation} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
      },
      ...(options.now ? { now: options.now } : {}),
      ...(options.port ? { apiPort: options.port } : {}),
      ...(options.s3Port ? { s3Port: options.s3Port } : {}),
      ...(options.region ? { region: options.region } : {}),
      ...(options.pageSize ? { pageSize: options.pageSize } : {}),
    });
    closers.push(() => listeners.close());
    // Services an earlier process made serve again at once (their tasks restart), named in server.json.
    if (ecs.hasServices()) await ecs.open();
    updateServerListeners(stateDir, ecs.listenersByService());
    revisions.bind(
      s3RevisionSourceAt(listeners.s3Endpoint, listeners.key, listeners.key.region, {
        spoolDirectory: join(stateDir, 'run', 'bundles'),
        ...(options.bundleLimits ? { limits: options.bundleLimits } : {}),
      }),
    );
    // A group that names target groups gets their listeners as soon as it is saved, so their URLs
    // are in server.json before the first deployment.
    withTargetGroupListeners(listeners.controlPlane.deploymentGroups, loadBalancers);

    // The hosts of the instances registered before this process, and the listeners of the groups.
    await restoreHosts(listeners, stateDir, joined);
    await restoreLoadBalancers(listeners, runtime, loadBalancers);

    let closing: Promise<void> | undefined;
    let shuttingDown: Promise<string[]> | undefined;
    // A close while a shutdown runs (the command's own path ending meanwhile) is that shutdown.
    const close = (): Promise<void> =>
      shuttingDown
        ? shuttingDown.then(() => undefined)
        : (closing ??= (async () => {
            await alarms.close();
            await transport.idle();
            eventProcesses.stopWatcher();
            await listeners.close();
            markServerStopped(stateDir);
            await closeEcs();
            await loadBalancers.close();
            await runtime.dispose();
            await validationThread.close();
            await releaseLock();
          })());
    const shutdown = (withinMs = SHUTDOWN_STOP_MS): Promise<string[]> =>
      (shuttingDown ??= (async () => {
        if (closing) {
          await closing;
          return [];
        }
        const deadline = Date.now() + withinMs;
        const stopped = await stopUnfinishedDeployments(runtime, withinMs);
        // The stopped scripts got SIGTERM: given the time, they end their hooks (SIGKILL after the
        // scripts' grace) and remove their temporary files themselves.
        await withTimeout(transport.idle(), Math.max(0, deadline - Date.now()));
        // Whatever did not stop in time (a script that ignores its signals, a step that hangs) ends now.
        transport.terminateAll();
        eventProcesses.killAll(hostsDirectory(stateDir));
        closing = (async () => {
          await alarms.close();
          await withTimeout(transport.idle(), 1000);
          // The killed scripts could not remove their temporary directories.
          removeScriptLeftovers([...hosts.values()]);
          eventProcesses.stopWatcher();
          await listeners.close();
          markServerStopped(stateDir);
          await closeEcs();
          await loadBalancers.close();
          await runtime.engine.dispose();
          await endDeploymentsLeftRunning(
            runtime.deps.store,
            new Date(),
            `stepdeploy was stopped (Ctrl-C or SIGTERM) and the deployment did not stop within ${String(withinMs / 1000)} s; its scripts were killed and it was marked failed.`,
          );
          await runtime.dispose();
          await validationThread.close();
          await releaseLock();
        })();
        await closing;
        return stopped;
      })());
    const server: LocalServer = {
      stateDir,
      endpoint: listeners.endpoint,
      s3Endpoint: listeners.s3Endpoint,
      key: listeners.key,
      serverFile: () => ({
        ...listeners.serverFile,
        loadBalancers: loadBalancers.urls(),
        listeners: ecs.listenersByService(),
      }),
      runtime,
      transport,
      loadBalancers,
      ecs,
      alarms,
      listeners,
      hosts: () => [...hosts.values()],
      recovered,
      close,
      shutdown: (shutdownOptions = {}) => shutdown(shutdownOptions.withinMs),
      closing: () => closing !== undefined || shuttingDown !== undefined,
    };
    return server;
  } catch (error) {
    await closeAll();
    await loadBalancers.close();
    throw error;
  }
}

/** The replacement fleet, bound once the records it registers hosts in are open. */
function deferredFleet(port: () => ReplacementFleetPort | undefined): ReplacementFleetPort {
  const bound = () => {
    const value = port();
    if (!value) throw new Error('The replacement fleet is not ready yet.');
    return value;
  };
  return {
    copyFleet: (request) => bound().copyFleet(request),
    describeFleet: (name) => bound().describeFleet(name),
    deleteFleet: (name) => bound().deleteFleet(name),
    retireOriginals: (request) => bound().retireOriginals(request),
  };
}

const UNFINISHED = ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'] as const;

/** The ids of the deployments that have not ended. */
export async function unfinishedDeployments(runtime: LocalRuntime): Promise<string[]> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await runtime.deps.store.listDeploymentIds(
      { statuses: UNFINISHED },
      { limit: 100, ...(nextToken ? { nextToken } : {}) },
    );
    ids.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken);
  return ids;
}

/** StopDeployment (no rollback) for each unfinished deployment; resolves once all ended, or after `withinMs`. */
async function stopUnfinishedDeployments(runtime: LocalRuntime, withinMs: number): Promise<string[]> {
  const deadline = Date.now() + withinMs;
  const ids = await unfinishedDeployments(runtime);
  // One that ended meanwhile refuses (DeploymentAlreadyCompletedException): nothing to stop.
  await Promise.all(
    ids.map((id) => runtime.stopDeployment(id, { autoRollbackEnabled: false }).catch(() => undefined)),
  );
  while (Date.now() < deadline && (await unfinishedDeployments(runtime)).length > 0) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return ids;
}

function withTimeout(work: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void work.finally(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** An upload under `<application>/<deployment-group>/` starts a deployment, as the S3 trigger in AWS. */
async function startFromUpload(
  object: CreatedObject,
  uploaded: ReturnType<typeof onRevisionUploaded>,
  log: (line: string) => void,
): Promise<void> {
  if (object.bucket === CLI_REVISION_BUCKET) return;
  // One delivery per upload here (no versions to derive an id from): a fresh id each time.
  const outcome = await uploaded({
    bucket: object.bucket,
    key: object.key,
    ...(object.eTag ? { eTag: object.eTag.replace(/^"|"$/g, '') } : {}),
    deploymentId: formatDeploymentId(new Uint8Array(randomBytes(9))),
  });
  if (outcome.started) log(`s3://${object.bucket}/${object.key}: started deployment ${outcome.deploymentId}`);
  else log(`s3://${object.bucket}/${object.key}: no deployment: ${outcome.reason}`);
}

function withTargetGroupListeners(
  store: DeploymentGroupConfigStore,
  loadBalancers: LocalLoadBalancers,
): void {
  const ensure = async (applicationName: string, groupName: string) => {
    const group = await store.getDeploymentGroup(applicationName, groupName);
    for (const name of group?.targetGroupNames ?? []) await loadBalancers.get(name);
  };
  const create = store.createDeploymentGroup.bind(store);
  const update = store.updateDeploymentGroup.bind(store);
  store.createDeploymentGroup = async (group) => {
    await create(group);
    await ensure(group.applicationName, group.deploymentGroupName);
  };
  store.updateDeploymentGroup = async (applicationName, groupName, settings) => {
    await update(applicationName, groupName, settings);
    await ensure(applicationName, groupName);
  };
}

/** Every registered (not deregistered) on-premises instance gets its host back. */
async function restoreHosts(
  listeners: ControlPlaneListeners,
  stateDir: string,
  joined: (host: LocalHost) => Promise<void>,
): Promise<void> {
  let nextToken: string | undefined;
  do {
    const page = await listeners.controlPlane.onPremisesInstances.listInstances(
      { limit: 500, ...(nextToken ? { nextToken } : {}) },
      (instance) => instance.deregisterTime === undefined,
    );
    for (const instance of page.items) await joined(await onPremisesHost(stateDir, instance.instanceName));
    nextToken = page.nextToken;
  } while (nextToken);
}

/** How long a new process waits for the instances that were in service to pass their health checks. */
const RESTORE_HEALTHY_MS = 5000;

/**
 * The load balancers lived with the process that ended: each group's target groups get their
 * listener again, with the instances its last deployment left healthy registered, so they serve as
 * they did before the next deployment starts.
 */
async function restoreLoadBalancers(
  listeners: ControlPlaneListeners,
  runtime: LocalRuntime,
  loadBalancers: LocalLoadBalancers,
): Promise<void> {
  const { applications, deploymentGroups } = listeners.controlPlane;
  let appToken: string | undefined;
  do {
    const apps = await applications.listApplications({
      limit: 100,
      ...(appToken ? { nextToken: appToken } : {}),
    });
    for (const applicationName of apps.items) {
      let groupToken: string | undefined;
      do {
        const groups = await deploymentGroups.listDeploymentGroups(applicationName, {
          limit: 100,
          ...(groupToken ? { nextToken: groupToken } : {}),
        });
        for (const groupName of groups.items) {
          const group = await runtime.deps.store.getDeploymentGroup(applicationName, groupName);
          const health = await runtime.deps.store.listInstanceHealth(applicationName, groupName);
          const healthy = [...health].filter(([, state]) => state === 'Healthy').map(([id]) => id);
          for (const targetGroup of group?.targetGroupNames ?? []) {
            const listener = await loadBalancers.get(targetGroup);
            if (healthy.length === 0) continue;
            await listener.registerTargets(targetGroup, healthy);
            // An app that is not running any more just fails its checks meanwhile.
            await listener.waitForHealthy(targetGroup, healthy, RESTORE_HEALTHY_MS).catch(() => undefined);
          }
        }
        groupToken = groups.nextToken;
      } while (groupToken);
    }
    appToken = apps.nextToken;
  } while (appToken);
}
