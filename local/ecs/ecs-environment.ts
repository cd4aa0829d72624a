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
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { validateAppSpec } from '../../functions/domain/appspec/index.js';
import type { ForwardTarget } from '../../functions/ports/listeners.js';
import type { DeploymentGroupRecord, RevisionLocation } from '../../functions/ports/records.js';
import type { TargetGroupOptions } from '../load-balancer/target-group.js';
import type { LoadBalancerThread } from '../load-balancer/thread.js';
import type { LocalRuntime, TargetPorts } from '../runtime/runtime.js';
import { LocalEcsError } from './errors.js';
import { LocalHookFunctions } from './hook-functions.js';
import { LoadBalancerListeners } from './load-balancer-listeners.js';
import { LocalEcs, type LocalEcsSnapshot } from './local-ecs.js';
import { TaskProcesses } from './task-processes.js';

export interface EcsEnvironmentOptions {
  stateDir: string;
  /** The load balancer the services' listeners and target groups live on (its own thread). */
  loadBalancer: LoadBalancerThread;
  /** Health checks and draining of the services' target groups. */
  targetGroups?: TargetGroupOptions;
  /** How long a new service's first tasks may take to pass their health checks. Default 30 s. */
  startTimeoutMs?: number;
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
  /**
   * The service, created when it does not exist yet: its first task set runs the task definition of
   * `appSpecFile` (all traffic on it, once its tasks are healthy). An existing service gains a test
   * listener if asked for one.
   */
  ensureService(
    spec: LocalEcsServiceSpec,
    appSpecFile: string,
  ): Promise<{ created: boolean; listeners: LocalServiceListeners }>;
  /** The deployment group fields of a service: its ECS service and target-group pair with listeners. */
  deploymentGroup(
    spec: LocalEcsServiceSpec,
  ): Pick<DeploymentGroupRecord, 'computePlatform' | 'deploymentStyle' | 'ecsServices' | 'loadBalancerInfo'>;
  listenerUrls(spec: LocalEcsServiceSpec): LocalServiceListeners;
  taskSets(spec: LocalEcsServiceSpec): Promise<LocalTaskSetReport[]>;
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
      const directory = record?.revision.localDirectory;
      if (!record || record.computePlatform !== 'ECS' || !directory) return undefined;
      const service = record.ecsTarget
        ? state.services[key(record.ecsTarget.clusterName, record.ecsTarget.serviceName)]
        : undefined;
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

  const serviceState = (spec: LocalEcsServiceSpec): ServiceState => {
    const found = state.services[key(clusterOf(spec), spec.serviceName)];
    if (!found) throw new LocalEcsError(`The local ECS service ${spec.serviceName} does not exist yet.`);
    return found;
  };

  return {
    ecs,
    listeners,
    hooks,
    ports: { ecs, listeners, hooks },
    connect(connected) {
      runtime = connected;
    },
    async ensureService(spec, appSpecFile) {
      const cluster = clusterOf(spec);
      const name = key(cluster, spec.serviceName);
      let created = false;
      let service = state.services[name];
      if (!service || !ecs.hasService(cluster, spec.serviceName)) {
        const appSpec = ecsAppSpecOf(appSpecFile);
        const definition = ecs.taskDefinitions.resolve(appSpec.taskDefinition, dirname(resolve(appSpecFile)));
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
          containerName: appSpec.containerName,
          containerPort: appSpec.containerPort,
        });
        await waitForHealthyTasks(
          listeners,
          groups[0],
          spec.desiredCount ?? 2,
          options.startTimeoutMs ?? 30_000,
          join(directory, 'tasks'),
        );
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
      save();
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
      await hooks.idle();
      save();
      await ecs.stopAllTasks();
      runner.close();
    },
  };
}

function clusterOf(spec: LocalEcsServiceSpec): string {
  return spec.clusterName ?? 'local';
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
