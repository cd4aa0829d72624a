/**
 * What `deploy` does for a compute platform on a local server before it uploads the revision and
 * calls CreateDeployment: each platform's set-up is one module (Server: server-platform.ts registers
 * hosts and declares a group selecting them; ECS: ecs-platform.ts prepares the local service and
 * declares its group), called through this one shape. In AWS (`--endpoint-url`) there
 * is no set-up: the group is the stack's.
 */
import type { ServiceConnection } from '../service.js';
import type { EcsRevision } from './ecs-revision.js';

/** The flags of `deploy` a platform's set-up reads (each platform takes those it needs). */
export interface PlatformSetUpInput {
  applicationName: string;
  deploymentGroupName: string;
  configName: string;
  autoRollback: boolean;
  /** Server: local hosts (on-premises instances `host-1`...) the group selects. */
  hosts?: number;
  loadBalancer?: boolean;
  alarm5xxRatePercent?: number;
  /** Server blue/green (`--blue-green`): a replacement fleet of new hosts, then the reroute. */
  blueGreen?: BlueGreenSetUpOptions;
  /** ECS (ecs-platform.ts): the revision, the service and its flags. */
  ecs?: Omit<
    EcsPlatformOptions,
    'applicationName' | 'deploymentGroupName' | 'configName' | 'autoRollback' | 'alarm5xxRatePercent'
  >;
}

/** `deploy --blue-green`'s flags (CodeDeploy's BlueGreenDeploymentConfiguration of the group). */
export interface BlueGreenSetUpOptions {
  /** `--ready-wait`: wait this long for `stepdeploy continue` before the reroute (STOP_DEPLOYMENT). */
  readyWaitMinutes?: number;
  /** `--termination-wait`: keep the originals this long after the reroute. */
  terminationWaitMinutes?: number;
  /** `--keep-originals`: KEEP_ALIVE instead of TERMINATE. */
  keepOriginals: boolean;
}

/** What the set-up made ready, for the command to print. */
export interface PlatformSetUp {
  loadBalancerUrl?: string;
  /** ECS: the service (created or not), its task definition and its listeners. */
  ecs?: EcsPlatformSetUp;
}

export type PlatformSetUpStep = (
  connection: ServiceConnection,
  input: PlatformSetUpInput,
) => Promise<PlatformSetUp>;

/** ECS (ecs-platform.ts): the revision, the service, its flags and the group's settings. */
export interface EcsPlatformOptions {
  applicationName: string;
  deploymentGroupName: string;
  configName: string;
  autoRollback: boolean;
  alarm5xxRatePercent?: number;
  revision: EcsRevision;
  serviceName: string;
  /** Tasks per task set when the service is created; given explicitly, an existing service must match. */
  desiredCount?: number;
  listenerPort?: number;
  /** Adds a test listener (0: a free port). */
  testListenerPort?: number;
  terminationWaitMinutes: number;
}

export interface EcsPlatformSetUp {
  /** The service did not exist: it was created with the revision's task definition; nothing to deploy. */
  created: boolean;
  clusterName: string;
  serviceName: string;
  taskDefinitionArn: string;
  listeners: { production: string; test?: string };
}
