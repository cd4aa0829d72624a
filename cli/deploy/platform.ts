/**
 * What `deploy` does for a compute platform on a local server before it uploads the revision and
 * calls CreateDeployment: each platform's set-up is one module (Server: server-platform.ts registers
 * hosts and declares a group selecting them), called through this one shape, so another platform (an
 * ECS service) is one more module, not another copy of the command. In AWS (`--endpoint-url`) there
 * is no set-up: the group is the stack's.
 */
import type { ServiceConnection } from '../service.js';

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
}

export type PlatformSetUpStep = (
  connection: ServiceConnection,
  input: PlatformSetUpInput,
) => Promise<PlatformSetUp>;
