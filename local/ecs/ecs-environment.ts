/**
 * A real ECS service on this machine, as one composable piece the server and the CLI open (as
 * local/server-environment.ts opens hosts): the local ECS model with tasks as processes, their target
 * groups and the services' production and test listeners on the local load balancer's thread, hook
 * programs, and the state that outlives the process (task definitions, services, task sets, listener
 * ports and weights in `<state-dir>/ecs/state.json`; tasks are started again by the next process).
 *
 *   const ecs = await openEcsEnvironment({ stateDir, loadBalancer });
 *   const runtime = await createLocalRuntime({ clock, ports: { ...ecs.ports, alarms } });
 *   ecs.connect(runtime);
 *   const service = await ecs.ensureService({ serviceName: 'web', testListener: true }, appSpecFile);
 *   await store.putDeploymentGroup({ ...names, ...ecs.deploymentGroup(service.spec) });
 *   await runtime.startDeployment(ECS_FLOW, { ..., revision: localRevision(appSpecFile) });
 *
 * `stepdeploy server` composes it (local/server/server.ts), and `deploy DIR` reaches it through the
 * server's local ECS operations (local/server/local-ecs-operations.ts): the task-definition file is
 * registered, the service created on its first deployment, and the service keeps the directory of
 * its hook programs, so deployments made through the API (S3 or AppSpecContent revisions naming a
 * registered task definition's ARN) run against it too.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { validateAppSpec } from '../../functions/domain/appspec/index.js';
import type { TaskDefinitionInfo } from '../../functions/ports/ecs-task-sets.js';
import type { ForwardTarget } from '../../functions/ports/listeners.js';
import type { DeploymentGroupRecord, RevisionLocation } from '../../functions/ports/records.js';
import type { TargetGroupOptions } from '../load-balancer/target-group.js';
import type { LoadBalancerAlarm, LoadBalancerThread } from '../load-balancer/thread.js';
import type { ThreadAlarmOptions } from '../load-balancer/thread-protocol.js';
import type { LocalRuntime, TargetPorts } from '../runtime/runtime.js';
import { LocalEcsError, ServiceMismatchError } from './errors.js';
import { LocalHookFunctions } from './hook-functions.js';
import { LoadBalancerListeners } from './load-balancer-listeners.js';
import { LocalEcs, type LocalEcsSnapshot } from './local-ecs.js';
import { readTaskDefinitionFile, taskDefinitionInfo, type LocalTaskDefinition } from './task-definitions.js';
import { TaskProcesses } from './task-processes.js';

export interface EcsEnvironmentOptions {
  stateDir: string;
  /** The load balancer the services' listeners and target groups live on (its own thread). */
  loadBalancer: LoadBalancerThread;
  /** Health checks and draining of the services' target groups. */
  targetGroups?: TargetGroupOptions;
  /** How long a new service's first tasks may take to pass their health checks. Default 30 s. */
  startTimeoutMs?: number;
  /**
   * Told the listener URLs of every service after a service gains a listener (the server keeps them
   * in server.json's `listeners`).
   */
  onListenersChange?(listeners: Record<string, LocalServiceListeners>): void;
}

export interface LocalEcsServiceSpec {
  /** Default `local`. */
  clusterName?: string;
  serviceName: string;
  /** Tasks per task set. Default 2. */
  desiredCount?: number;
  /** The production listener's port; 0 or absent: a free one (kept for the next process). */
  productionPort?: number;
  /** A test listener: true for a free port, or its port. */
  testListener?: boolean | number;
  /**
   * Where the service's hook programs are (`<dir>/hooks/<FunctionName>.js`): the directory of the
   * AppSpec it was last deployed from, kept for deployments whose revision names no directory.
   */
  hooksDirectory?: string;
}

/** The first task set of a service the environment creates: a registered task definition. */
export interface FirstTaskSet {
  taskDefinition: string;
  containerName: string;
  containerPort: number;
}

export interface LocalServiceListeners {
  production: string;
  test?: string;
}

/** A task set as `stepdeploy deploy --json` reports it (its role is the deployment's to say). */
export interface LocalTaskSetReport {
  id: string;
  taskDefinition: string;
  status: string;
  runningCount: number;
  targetGroup: string;
  /** Percent of each listener's traffic on the task set's target group. */
  productionWeight: number;
  testWeight?: number;
}

interface ServiceState {
  clusterName: string;
  serviceName: string;
  targetGroups: [string, string];
  production: { arn: string; port: number; forward: ForwardTarget[] };
  test?: { arn: string; port: number; forward: ForwardTarget[] };
  hooksDirectory?: string;
}

interface StateFile {
  ecs?: LocalEcsSnapshot;
  services: Record<string, ServiceState>;
}

const DEFAULT_TARGET_GROUP: TargetGroupOptions = {
  healthCheckPath: '/health',
  healthCheckIntervalMs: 500,
  healthyThreshold: 2,
  unhealthyThreshold: 2,
  deregistrationDelayMs: 2000,
};

export interface EcsEnvironment {
  ecs: LocalEcs;
  listeners: LoadBalancerListeners;
  hooks: LocalHookFunctions;
  /** What createLocalRuntime needs for ECS deployments (`ports: { ...ecs.ports, alarms }`). */
  ports: Required<Pick<TargetPorts, 'ecs' | 'listeners' | 'hooks'>>;
  /** Hooks answer through this runtime and find their deployment's AppSpec in its records. */
  connect(runtime: LocalRuntime): void;
  /** Registers a RegisterTaskDefinition JSON file (image directories relative to it); same file, same revision. */
  registerTaskDefinitionFile(file: string): TaskDefinitionInfo;
  /**
   * The service, created when it does not exist yet: its first task set runs `first` (a registered
   * task definition, or the one an AppSpec file names), all traffic on it once its tasks are
   * healthy. An existing service gains a test listener if asked for one and keeps `hooksDirectory`;
   * a desired count or a listener port it was created with otherwise is refused, naming both.
   */
  ensureService(
    spec: LocalEcsServiceSpec,
    first: string | FirstTaskSet,
  ): Promise<{ created: boolean; listeners: LocalServiceListeners }>;
  hasService(spec: Pick<LocalEcsServiceSpec, 'clusterName' | 'serviceName'>): boolean;
  /** Every service's listener URLs, by service name (`cluster/service` outside the cluster `local`). */
  listenersByService(): Record<string, LocalServiceListeners>;
  /** A 5xx-rate alarm on the service's production listener alone (a local CloudWatch alarm). */
  createProductionAlarm(
    spec: Pick<LocalEcsServiceSpec, 'clusterName' | 'serviceName'>,
    options: Omit<ThreadAlarmOptions, 'listener'>,
  ): Promise<LoadBalancerAlarm>;
  /** The deployment group fields of a service: its ECS service and target-group pair with listeners. */
  deploymentGroup(
    spec: Pick<LocalEcsServiceSpec, 'clusterName' | 'serviceName'>,
  ): Pick<DeploymentGroupRecord, 'computePlatform' | 'deploymentStyle' | 'ecsServices' | 'loadBalancerInfo'>;
  listenerUrls(spec: Pick<LocalEcsServiceSpec, 'clusterName' | 'serviceName'>): LocalServiceListeners;
  taskSets(spec: Pick<LocalEcsServiceSpec, 'clusterName' | 'serviceName'>): Promise<LocalTaskSetReport[]>;
  /** Stops every task (the services stay, for the next process) and ends the process watcher. */
  close(): Promise<void>;
}

/**
 * An ECS AppSpec file on this machine as a revision: its content, and its directory, against which
 * its task-definition files and hook programs are resolved.
 */
export function localAppSpecRevision(appSpecFile: string): RevisionLocation {
  const file = resolve(appSpecFile);
  return {
    revisionType: 'AppSpecContent',
    appSpecContent: { content: readFileSync(file, 'utf8') },
    localDirectory: dirname(file),
  };
}

export async function openEcsEnvironment(options: EcsEnvironmentOptions): Promise<EcsEnvironment> {
  const { stateDir, loadBalancer } = options;
  const directory = join(stateDir, 'ecs');
  const stateFile = join(directory, 'state.json');
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const state = readState(stateFile);
  const save = () => writeState(stateFile, state);

  const runner = new TaskProcesses(stateDir);
  await runner.endLeftovers();
  const groupOptions = { ...DEFAULT_TARGET_GROUP, ...options.targetGroups };
  const listeners = new LoadBalancerListeners(loadBalancer, {
    drainTimeoutMs: (groupOptions.deregistrationDelayMs ?? 2000) + 2000,
    onForwardChange: (arn, targets) => {
      for (const service of Object.values(state.services)) {
        for (const listener of [service.production, service.test]) {
          if (listener?.arn === arn) listener.forward = targets.map((t) => ({ ...t }));
        }
      }
      save();
    },
  });
  const ecs = new LocalEcs({
    runner,
    targets: listeners,
    onChange: (snapshot) => {
      state.ecs = snapshot;
      save();
    },
  });
  let runtime: LocalRuntime | undefined;
  const hooks = new LocalHookFunctions({
    logDirectory: join(directory, 'hooks'),
    contextOf: async (deploymentId) => {
      const record = await runtime?.deps.store.getDeployment(deploymentId);
      if (!record || record.computePlatform !== 'ECS') return undefined;
      const service = record.ecsTarget
        ? state.services[key(record.ecsTarget.clusterName, record.ecsTarget.serviceName)]
        : undefined;
      // A revision from this machine names its directory; one from the API (S3, AppSpecContent)
      // gets the hook programs the service was last deployed with by `stepdeploy deploy`.
      const directory = record.revision.localDirectory ?? service?.hooksDirectory;
      if (!directory) return undefined;
      return {
        directory,
        environment: {
          ...(service ? { PRODUCTION_URL: url(service.production.port) } : {}),
          ...(service?.test ? { TEST_URL: url(service.test.port) } : {}),
        },
      };
    },
    answer: async (deploymentId, hookExecutionId, status) => {
      if (!runtime) throw new Error('The ECS environment is not connected to a runtime.');
      return runtime.putLifecycleEventHookExecutionStatus({
        deploymentId,
        lifecycleEventHookExecutionId: hookExecutionId,
        status,
      });
    },
  });

  // What an earlier process left: target groups first, then tasks (registered in them), then listeners.
  for (const service of Object.values(state.services)) {
    for (const group of service.targetGroups) await loadBalancer.createTargetGroup(group, groupOptions);
  }
  if (state.ecs) ecs.restore(state.ecs);
  for (const service of Object.values(state.services)) {
    service.production.port = await openListener(loadBalancer, service.production);
    if (service.test) service.test.port = await openListener(loadBalancer, service.test);
  }
  save();
  for (const service of Object.values(state.services)) await tidyLeftovers(ecs, listeners, service);

  const serviceState = (spec: Pick<LocalEcsServiceSpec, 'clusterName' | 'serviceName'>): ServiceState => {
    const found = state.services[key(clusterOf(spec), spec.serviceName)];
    if (!found) throw new LocalEcsError(`The local ECS service ${spec.serviceName} does not exist yet.`);
    return found;
  };

  const listenersByService = () =>
    Object.fromEntries(
      Object.values(state.services).map((service) => [
        service.clusterName === DEFAULT_CLUSTER
          ? service.serviceName
          : key(service.clusterName, service.serviceName),
        urlsOf(service),
      ]),
    );

  return {
    ecs,
    listeners,
    hooks,
    ports: { ecs, listeners, hooks },
    connect(connected) {
      runtime = connected;
    },
    registerTaskDefinitionFile(file) {
      return taskDefinitionInfo(ecs.taskDefinitions.register(readTaskDefinitionFile(resolve(file))));
    },
    hasService: (spec) => ecs.hasService(clusterOf(spec), spec.serviceName),
    listenersByService,
    async createProductionAlarm(spec, alarmOptions) {
      const service = serviceState(spec);
      return loadBalancer.createAlarm({ ...alarmOptions, listener: service.production.arn });
    },
    async ensureService(spec, first) {
      const cluster = clusterOf(spec);
      const name = key(cluster, spec.serviceName);
      const hooksDirectory =
        spec.hooksDirectory === undefined ? undefined : checkedDirectory(spec.hooksDirectory);
      let created = false;
      let service = state.services[name];
      if (service && ecs.hasService(cluster, spec.serviceName)) {
        await checkSameService(ecs, service, spec);
      } else {
        const firstTaskSet = typeof first === 'string' ? firstTaskSetOf(ecs, first) : first;
        const definition = ecs.taskDefinitions.find(firstTaskSet.taskDefinition);
        if (!definition) {
          throw new LocalEcsError(
            `The task definition ${firstTaskSet.taskDefinition} is not registered here.`,
          );
        }
        checkContainer(definition, firstTaskSet);
        const groups: [string, string] = [`${spec.serviceName}-blue`, `${spec.serviceName}-green`];
        for (const group of groups) {
          await loadBalancer.createTargetGroup(group, groupOptions).catch((error: { code?: string }) => {
            if (error.code !== 'DuplicateTargetGroupNameException') throw error;
          });
        }
        ecs.createService({
          cluster,
          serviceName: spec.serviceName,
          desiredCount: spec.desiredCount ?? 2,
          taskDefinition: definition.taskDefinitionArn,
          targetGroup: groups[0],
          containerName: firstTaskSet.containerName,
          containerPort: firstTaskSet.containerPort,
        });
        try {
          await waitForHealthyTasks(
            listeners,
            groups[0],
            spec.desiredCount ?? 2,
            options.startTimeoutMs ?? 30_000,
            join(directory, 'tasks'),
          );
        } catch (error) {
          // A service whose first tasks never pass their checks is not left half made.
          await ecs.deleteService(cluster, spec.serviceName);
          throw error;
        }
        const forward = [
          { targetGroup: groups[0], weight: 1 },
          { targetGroup: groups[1], weight: 0 },
        ];
        service = {
          clusterName: cluster,
          serviceName: spec.serviceName,
          targetGroups: groups,
          production: {
            arn: listenerArn(cluster, spec.serviceName, 'production'),
            port: spec.productionPort ?? 0,
            forward,
          },
        };
        service.production.port = await openListener(loadBalancer, service.production);
        state.services[name] = service;
        created = true;
      }
      if (spec.testListener !== undefined && spec.testListener !== false && !service.test) {
        service.test = {
          arn: listenerArn(cluster, spec.serviceName, 'test'),
          port: typeof spec.testListener === 'number' ? spec.testListener : 0,
          forward: service.production.forward.map((t) => ({ ...t, weight: t.weight > 0 ? 1 : 0 })),
        };
        service.test.port = await openListener(loadBalancer, service.test);
      }
      if (hooksDirectory !== undefined) service.hooksDirectory = hooksDirectory;
      save();
      options.onListenersChange?.(listenersByService());
      if (!created) {
        // Tasks an earlier process left are starting again: give them a moment to pass their checks.
        const primary = (await ecs.describeService(cluster, spec.serviceName)).taskSets.find(
          (taskSet) => taskSet.status === 'PRIMARY',
        );
        if (primary?.targetGroupArn) {
          await waitForHealthyTasks(
            listeners,
            primary.targetGroupArn,
            primary.computedDesiredCount,
            RESTORED_HEALTHY_MS,
            join(directory, 'tasks'),
          ).catch(() => undefined);
        }
      }
      return { created, listeners: urlsOf(service) };
    },
    deploymentGroup(spec) {
      const service = serviceState(spec);
      return {
        computePlatform: 'ECS',
        deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
        ecsServices: [{ clusterName: service.clusterName, serviceName: service.serviceName }],
        loadBalancerInfo: {
          targetGroupPairInfoList: [
            {
              targetGroups: service.targetGroups.map((name) => ({ name })),
              prodTrafficRoute: { listenerArns: [service.production.arn] },
              ...(service.test ? { testTrafficRoute: { listenerArns: [service.test.arn] } } : {}),
            },
          ],
        },
      };
    },
    listenerUrls: (spec) => urlsOf(serviceState(spec)),
    async taskSets(spec) {
      const service = serviceState(spec);
      const described = await ecs.describeService(service.clusterName, service.serviceName);
      const share = (forward: ForwardTarget[] | undefined, group: string) => {
        if (!forward) return undefined;
        const total = forward.reduce((sum, t) => sum + t.weight, 0);
        const mine = forward.filter((t) => t.targetGroup === group).reduce((sum, t) => sum + t.weight, 0);
        return total === 0 ? 0 : Math.round((mine / total) * 10000) / 100;
      };
      return described.taskSets.map((taskSet) => {
        const group = taskSet.targetGroupArn ?? '';
        const testWeight = share(service.test?.forward, group);
        return {
          id: taskSet.id,
          taskDefinition: taskSet.taskDefinition,
          status: taskSet.status,
          runningCount: taskSet.runningCount,
          targetGroup: group,
          productionWeight: share(service.production.forward, group) ?? 0,
          ...(testWeight !== undefined ? { testWeight } : {}),
        };
      });
    },
    async close() {
      await hooks.close();
      save();
      await ecs.stopAllTasks();
      runner.close();
    },
  };
}

const DEFAULT_CLUSTER = 'local';
/** How long an existing service's restarted tasks get to pass their checks before a deployment. */
const RESTORED_HEALTHY_MS = 5000;

function clusterOf(spec: Pick<LocalEcsServiceSpec, 'clusterName'>): string {
  return spec.clusterName ?? DEFAULT_CLUSTER;
}

function checkedDirectory(directory: string): string {
  let isDirectory = false;
  try {
    isDirectory = isAbsolute(directory) && statSync(directory).isDirectory();
  } catch {
    // reported below
  }
  if (!isDirectory) {
    throw new LocalEcsError(`The hooks directory ${directory} must be an absolute path to a directory.`);
  }
  return directory;
}

/** The first task set an ECS AppSpec file names: its task definition (a file is registered), container and port. */
function firstTaskSetOf(ecs: LocalEcs, appSpecFile: string): FirstTaskSet {
  const appSpec = ecsAppSpecOf(appSpecFile);
  const definition = ecs.taskDefinitions.resolve(appSpec.taskDefinition, dirname(resolve(appSpecFile)));
  return {
    taskDefinition: definition.taskDefinitionArn,
    containerName: appSpec.containerName,
    containerPort: appSpec.containerPort,
  };
}

/** The container the load balancer sends to must be in the task definition and map that port. */
function checkContainer(definition: LocalTaskDefinition, first: FirstTaskSet): void {
  const container = definition.containers.find((c) => c.name === first.containerName);
  const label = `${definition.family}:${definition.revision}`;
  if (!container) {
    throw new LocalEcsError(
      `The task definition ${label} has no container ${first.containerName} (LoadBalancerInfo.ContainerName); its containers: ${definition.containers.map((c) => c.name).join(', ')}.`,
    );
  }
  if (!container.containerPorts.includes(first.containerPort)) {
    throw new LocalEcsError(
      `The container ${container.name} of ${label} maps no port ${first.containerPort} (LoadBalancerInfo.ContainerPort); its ports: ${container.containerPorts.join(', ') || 'none'}.`,
    );
  }
}

/**
 * An existing service is deployed as it is: a desired count or listener port other than the one it
 * has is refused rather than silently ignored (a test listener it lacks is added).
 */
async function checkSameService(ecs: LocalEcs, service: ServiceState, spec: LocalEcsServiceSpec) {
  const described = await ecs.describeService(service.clusterName, service.serviceName);
  const refuse = (what: string, has: string, asked: string) =>
    new ServiceMismatchError(
      `The service ${service.serviceName} exists with ${what} ${has}, not ${asked}: it keeps what its first deployment gave it. Deploy without that option, or to another service.`,
    );
  if (spec.desiredCount !== undefined && spec.desiredCount !== described.desiredCount) {
    throw refuse('a desired count of', String(described.desiredCount), String(spec.desiredCount));
  }
  if (spec.productionPort && spec.productionPort !== service.production.port) {
    throw refuse(
      'its production listener on port',
      String(service.production.port),
      String(spec.productionPort),
    );
  }
  if (typeof spec.testListener === 'number' && spec.testListener !== 0 && service.test) {
    if (spec.testListener !== service.test.port) {
      throw refuse('its test listener on port', String(service.test.port), String(spec.testListener));
    }
  }
}

function key(cluster: string, service: string): string {
  return `${cluster}/${service}`;
}

function url(port: number): string {
  return `http://127.0.0.1:${port}`;
}

function urlsOf(service: ServiceState): LocalServiceListeners {
  return {
    production: url(service.production.port),
    ...(service.test ? { test: url(service.test.port) } : {}),
  };
}

function listenerArn(cluster: string, service: string, role: 'production' | 'test'): string {
  return `arn:aws:elasticloadbalancing:local:000000000000:listener/app/${cluster}/${service}/${role}`;
}

/**
 * No deployment runs while an environment opens (the records admit one process), so a second task
 * set, or listeners on both target groups, are what a process that ended mid-deployment left (a
 * kill, Ctrl-C, a stop without rollback): the service is put back on its PRIMARY task set alone,
 * all traffic on its target group, as a rollback (or, after the replacement became primary, the
 * termination) would have left it. Otherwise the next deployment would be refused until someone
 * deleted the task set by hand.
 */
async function tidyLeftovers(
  ecs: LocalEcs,
  listeners: LoadBalancerListeners,
  service: ServiceState,
): Promise<void> {
  if (!ecs.hasService(service.clusterName, service.serviceName)) return;
  const { taskSets } = await ecs.describeService(service.clusterName, service.serviceName);
  const primary = taskSets.find((taskSet) => taskSet.status === 'PRIMARY');
  if (!primary?.targetGroupArn) return;
  const forward = service.targetGroups.map((group) => ({
    targetGroup: group,
    weight: group === primary.targetGroupArn ? 1 : 0,
  }));
  for (const listener of [service.production, service.test]) {
    if (!listener) continue;
    const serving = listener.forward.filter((t) => t.weight > 0).map((t) => t.targetGroup);
    if (serving.length !== 1 || serving[0] !== primary.targetGroupArn) {
      await listeners.setForwardAction(listener.arn, forward);
    }
  }
  for (const taskSet of taskSets) {
    if (taskSet !== primary) await ecs.deleteTaskSet(service.clusterName, service.serviceName, taskSet.id);
  }
}

/** Opens a listener on its kept port; a port taken meanwhile gives way to a free one. */
async function openListener(
  loadBalancer: LoadBalancerThread,
  listener: { arn: string; port: number; forward: ForwardTarget[] },
): Promise<number> {
  const forward = Object.fromEntries(listener.forward.map((t) => [t.targetGroup, t.weight]));
  try {
    return (await loadBalancer.call('createListener', listener.arn, { port: listener.port, forward })).port;
  } catch (error) {
    if (listener.port === 0 || !/EADDRINUSE/.test(String((error as Error).message))) throw error;
    return (await loadBalancer.call('createListener', listener.arn, { port: 0, forward })).port;
  }
}

function ecsAppSpecOf(file: string) {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new LocalEcsError(`The AppSpec ${file} cannot be read: ${(error as Error).message}`);
  }
  const verdict = validateAppSpec(text, { platform: 'ecs' });
  if (!verdict.valid || verdict.appSpec?.platform !== 'ecs') {
    throw new LocalEcsError(
      `${file} is not a valid ECS AppSpec: ${verdict.errors.map((e) => `${e.path || '(document)'}: ${e.message}`).join('; ')}`,
    );
  }
  return verdict.appSpec;
}

async function waitForHealthyTasks(
  listeners: LoadBalancerListeners,
  targetGroup: string,
  count: number,
  timeoutMs: number,
  logs: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const healthy = (await listeners.describeTargetHealth(targetGroup)).filter((t) => t.state === 'healthy');
    if (healthy.length >= count) return;
    if (Date.now() > deadline) {
      throw new LocalEcsError(
        `The first tasks of the service did not pass their health checks within ${timeoutMs / 1000} s (${healthy.length} of ${count} healthy in ${targetGroup}); their output is in ${logs}.`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function readState(file: string): StateFile {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as StateFile;
    return { ...parsed, services: parsed.services ?? {} };
  } catch {
    return { services: {} };
  }
}

function writeState(file: string, state: StateFile): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
}
