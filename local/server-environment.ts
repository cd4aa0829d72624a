import { join } from 'node:path';
import { LocalRevisionSource } from '../functions/adapters/local/local-revision-source.js';
import type { BundleLimits } from '../functions/domain/bundle-checks.js';
import type {
  AlarmConfiguration,
  AutoRollbackConfiguration,
  DeploymentGroupRecord,
} from '../functions/ports/records.js';
import { startApiListener } from './server/api-listener.js';
import { loadOrCreateServerKey } from './server/server-file.js';
import { RealClock, type EngineClock } from './engine/index.js';
import { EventProcessRecords } from './hosts/event-processes.js';
import { ensureHosts, hostsDirectory, type LocalHost } from './hosts/hosts.js';
import { LocalHostTransport } from './hosts/transport.js';
import { LoadBalancerThread, type LoadBalancerAlarm } from './load-balancer/thread.js';
import { recoverInterruptedDeployments } from './runtime/recover.js';
import { createLocalRuntime, type LocalRuntime } from './runtime/runtime.js';
import { announceRuntime, assertStateDirFree } from './state-dir.js';

export const TARGET_GROUP = 'local';
/** How long a new process waits for the instances that were in service to pass their health checks. */
const RESTORE_HEALTHY_MS = 5000;

export interface ServerEnvironmentOptions {
  stateDir: string;
  hosts: number;
  loadBalancer: boolean;
  /** Port of the load balancer; 0 picks a free one. */
  loadBalancerPort?: number;
  /** A local alarm on the load balancer's 5xx rate, in percent. */
  alarm5xxRatePercent?: number;
  /** Limits on the revisions read (unpacked size, entries, compression ratio); defaults otherwise. */
  bundleLimits?: Partial<BundleLimits>;
  /** Cap of each deployment's scripts.log on a host. */
  scriptsLogMaxBytes?: number;
  clock?: EngineClock;
}

export interface ServerEnvironment {
  stateDir: string;
  runtime: LocalRuntime;
  hosts: LocalHost[];
  transport: LocalHostTransport;
  /** The load balancer runs on its own thread, so the deployment's work never stalls its traffic. */
  loadBalancer?: LoadBalancerThread;
  alarm?: LoadBalancerAlarm;
  alarmName?: string;
  apiUrl: string;
  /** Interrupted deployments found and ended when the records were opened. */
  recovered: string[];
  /** Creates or updates the deployment group for these hosts, keeping its history. */
  putDeploymentGroup(input: {
    applicationName: string;
    deploymentGroupName: string;
    deploymentConfigName?: string;
    autoRollback: boolean;
  }): Promise<DeploymentGroupRecord>;
  close(): Promise<void>;
}

/**
 * Everything a Server deployment needs on this machine: local hosts, the real load balancer, the
 * records on disk, the embedded engine with the same state machine as AWS, and the API other
 * stepdeploy commands talk to while this process runs.
 */
export async function openServerEnvironment(options: ServerEnvironmentOptions): Promise<ServerEnvironment> {
  const stateDir = assertStateDirFree(options.stateDir);
  const clock = options.clock ?? new RealClock();
  const hosts = await ensureHosts(stateDir, options.hosts);
  // Scripts of events a process that ended left running (it and its watcher were killed) end first.
  const eventProcesses = EventProcessRecords.of(stateDir);
  await eventProcesses.endLeftovers(hostsDirectory(stateDir));
  const transport = new LocalHostTransport(hosts, {
    track: (work) => clock.track(work),
    records: eventProcesses,
  });

  let loadBalancer: LoadBalancerThread | undefined;
  let alarm: LoadBalancerAlarm | undefined;
  const alarmName = options.alarm5xxRatePercent !== undefined ? 'local-load-balancer-5xx' : undefined;
  if (options.loadBalancer) {
    loadBalancer = await LoadBalancerThread.start({
      port: options.loadBalancerPort ?? 0,
      targetPorts: Object.fromEntries(hosts.map((host) => [host.id, host.port])),
    });
    await loadBalancer.createTargetGroup(TARGET_GROUP, {
      healthCheckPath: '/health',
      healthCheckIntervalMs: 500,
      healthyThreshold: 2,
      unhealthyThreshold: 2,
      deregistrationDelayMs: 3000,
    });
    if (alarmName) {
      alarm = await loadBalancer.createAlarm({
        name: alarmName,
        periodMs: 1000,
        evaluationPeriods: 2,
        thresholdPercent: options.alarm5xxRatePercent ?? 0,
        minRequests: 5,
      });
    }
  }

  const runtime = await createLocalRuntime({
    clock,
    databasePath: join(stateDir, 'records'),
    ports: {
      transport,
      revisions: new LocalRevisionSource(options.bundleLimits ? { limits: options.bundleLimits } : {}),
      ...(loadBalancer ? { loadBalancer } : {}),
      ...(alarm ? { alarms: alarm } : {}),
    },
    // Local health checks answer within a second; a minute is plenty before an instance fails.
    settings: {
      trafficPollSeconds: 1,
      trafficTimeoutSeconds: 120,
      ...(options.scriptsLogMaxBytes !== undefined ? { scriptsLogMaxBytes: options.scriptsLogMaxBytes } : {}),
    },
  });
  transport.onComplete((commandId) => runtime.onCommandComplete(commandId));
  alarm?.onStateChange((name, state) => runtime.onAlarmStateChange(name, state));
  await alarm?.start();

  const recovered = await recoverInterruptedDeployments(runtime.deps.store, clock.now());
  // Signed with the state directory's key: only whoever can read <state-dir>/server.json may call it.
  const api = await startApiListener({
    useCases: {
      store: runtime.deps.store,
      stopDeployment: runtime.stopDeployment,
      putLifecycleEventHookExecutionStatus: runtime.putLifecycleEventHookExecutionStatus,
    },
    key: loadOrCreateServerKey(stateDir),
  });
  const withdraw = announceRuntime(
    stateDir,
    api.url,
    loadBalancer ? { loadBalancerUrl: loadBalancer.url } : {},
  );

  return {
    stateDir,
    runtime,
    hosts,
    transport,
    ...(loadBalancer ? { loadBalancer } : {}),
    ...(alarm ? { alarm } : {}),
    ...(alarmName ? { alarmName } : {}),
    apiUrl: api.url,
    recovered,
    async putDeploymentGroup({ applicationName, deploymentGroupName, deploymentConfigName, autoRollback }) {
      const store = runtime.deps.store;
      const existing = await store.getDeploymentGroup(applicationName, deploymentGroupName);
      const alarmConfiguration: AlarmConfiguration | undefined = alarmName
        ? { enabled: true, ignorePollAlarmFailure: false, alarms: [{ name: alarmName }] }
        : undefined;
      const autoRollbackConfiguration: AutoRollbackConfiguration | undefined = autoRollback
        ? { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] }
        : undefined;
      const group: DeploymentGroupRecord = {
        applicationName,
        deploymentGroupName,
        deploymentGroupId: existing?.deploymentGroupId ?? `${applicationName}-${deploymentGroupName}`,
        computePlatform: 'Server',
        instanceIds: hosts.map((host) => host.id),
        ...(loadBalancer ? { targetGroupNames: [TARGET_GROUP] } : {}),
        ...(deploymentConfigName ? { deploymentConfigName } : {}),
        ...(alarmConfiguration ? { alarmConfiguration } : {}),
        ...(autoRollbackConfiguration ? { autoRollbackConfiguration } : {}),
        ...(existing?.lastSuccessfulDeploymentId
          ? { lastSuccessfulDeploymentId: existing.lastSuccessfulDeploymentId }
          : {}),
        ...(existing?.instanceHealth ? { instanceHealth: existing.instanceHealth } : {}),
      };
      await store.putDeploymentGroup(group);
      // The load balancer lives with this process: put back the instances that were serving before.
      const health = await store.listInstanceHealth(applicationName, deploymentGroupName);
      const healthy = hosts.filter((host) => health.get(host.id) === 'Healthy').map((host) => host.id);
      if (loadBalancer && healthy.length > 0) {
        await loadBalancer.registerTargets(TARGET_GROUP, healthy);
        // Serving again before the deployment starts, as they were on the load balancer that ended with
        // the last process; an app that is not running any more just fails its checks meanwhile.
        await loadBalancer.waitForHealthy(TARGET_GROUP, healthy, RESTORE_HEALTHY_MS).catch(() => undefined);
      }
      return group;
    },
    async close() {
      await alarm?.stop().catch(() => undefined);
      await transport.idle();
      eventProcesses.stopWatcher();
      withdraw();
      await api.close();
      await loadBalancer?.stop();
      await runtime.dispose();
    },
  };
}
