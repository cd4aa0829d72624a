/**
 * A Server blue/green deployment (reference §2.1, §2.2, §4.6) as phases. Each phase runs one
 * sequence of lifecycle events on one set of instances, batched by the minimum-healthy-hosts
 * scheduler (server-progress.ts) and carried out by the Server batches machine, so the execution's
 * history stays bounded however large either fleet is:
 *
 *   provision -> install (replacements: ApplicationStop ... ValidateService; Ready after it)
 *     -> [ready-wait] -> allow (replacements: Before/AllowTraffic/After, by the configuration)
 *     -> block (originals: Before/BlockTraffic/After, all at once; any failure fails the deployment)
 *     -> [termination-wait] -> retire (TERMINATE or KEEP_ALIVE) -> done
 *
 * Until the originals are retired a failure, a stop or an alarm rolls back:
 *
 *   rollback-allow (originals that left the load balancer: Before/AllowTraffic/After)
 *     -> rollback-block (replacements that joined it: Before/BlockTraffic/After) -> remove
 *
 * with the hooks chosen by §2.2's rollback column. Pure: no I/O, no clock.
 */
import type { BlueGreenDeploymentConfiguration } from './codedeploy-shapes.js';
import { serverLifecycleEvents, type ServerLifecycleEvent } from './lifecycle.js';

export type BlueGreenPhase =
  | 'provision'
  | 'install'
  | 'ready-wait'
  | 'allow'
  | 'block'
  | 'termination-wait'
  | 'retire'
  | 'rollback-allow'
  | 'rollback-block'
  | 'remove';

/** The phases that run lifecycle events on instances (a batches run each). */
export type BatchPhase = Extract<
  BlueGreenPhase,
  'install' | 'allow' | 'block' | 'rollback-allow' | 'rollback-block'
>;

export type GreenFleetAction = 'COPY_AUTO_SCALING_GROUP' | 'DISCOVER_EXISTING';
export type BlueInstanceAction = 'TERMINATE' | 'KEEP_ALIVE';

/** The group's blue/green options, as a deployment applies them (read once, by Prepare). */
export interface BlueGreenOptions {
  greenFleet: GreenFleetAction;
  /** deploymentReadyOption STOP_DEPLOYMENT: how long to wait for ContinueDeployment READY_WAIT; 0: none. */
  readyWaitSeconds: number;
  /** TERMINATE: how long the originals are kept after the reroute; KEEP_ALIVE has no wait. */
  terminationWaitSeconds: number;
  originals: BlueInstanceAction;
}

/** The longest wait CodeDeploy allows (48 hours, reference §4.3). */
export const MAX_BLUE_GREEN_WAIT_MINUTES = 2880;

/** CodeDeploy's defaults where the group says nothing: no ready wait, keep the originals, discover. */
export function blueGreenOptionsOf(config: BlueGreenDeploymentConfiguration | undefined): BlueGreenOptions {
  const ready = config?.deploymentReadyOption;
  const terminate = config?.terminateBlueInstancesOnDeploymentSuccess;
  const minutes = (value: number | undefined) =>
    Math.min(Math.max(Math.floor(value ?? 0), 0), MAX_BLUE_GREEN_WAIT_MINUTES);
  const originals: BlueInstanceAction = terminate?.action === 'TERMINATE' ? 'TERMINATE' : 'KEEP_ALIVE';
  return {
    greenFleet:
      config?.greenFleetProvisioningOption?.action === 'COPY_AUTO_SCALING_GROUP'
        ? 'COPY_AUTO_SCALING_GROUP'
        : 'DISCOVER_EXISTING',
    readyWaitSeconds:
      ready?.actionOnTimeout === 'STOP_DEPLOYMENT' ? minutes(ready.waitTimeInMinutes) * 60 : 0,
    // KEEP_ALIVE originals are never terminated, so there is nothing to wait for (§4.6).
    terminationWaitSeconds:
      originals === 'TERMINATE' ? minutes(terminate?.terminationWaitTimeInMinutes) * 60 : 0,
    originals,
  };
}

/** Which instances a phase runs on: the originals (Blue) or the replacements (Green). */
export function phaseLabel(phase: BatchPhase): 'Blue' | 'Green' {
  return phase === 'install' || phase === 'allow' || phase === 'rollback-block' ? 'Green' : 'Blue';
}

export function isRollbackPhase(phase: BlueGreenPhase | undefined): boolean {
  return phase === 'rollback-allow' || phase === 'rollback-block' || phase === 'remove';
}

const ALLOW: readonly ServerLifecycleEvent[] = serverLifecycleEvents('blue-green-rollback-original');
const BLOCK: readonly ServerLifecycleEvent[] = serverLifecycleEvents('blue-green-original');

/** The lifecycle events each instance of a phase goes through, in order (§2.1). */
export function phaseEvents(phase: BatchPhase): ServerLifecycleEvent[] {
  switch (phase) {
    case 'install':
      return serverLifecycleEvents('blue-green-replacement').filter((event) => !ALLOW.includes(event));
    case 'allow':
    case 'rollback-allow':
      return [...ALLOW];
    case 'block':
    case 'rollback-block':
      return [...BLOCK];
  }
}

/** Every event a target of each role records in the deployment (the rollback's are added when it starts). */
export function targetEvents(label: 'Blue' | 'Green'): ServerLifecycleEvent[] {
  return label === 'Green'
    ? serverLifecycleEvents('blue-green-replacement')
    : serverLifecycleEvents('blue-green-original');
}

/**
 * What comes after a phase ends well, going forward. `waitsForReady` and `waitsToTerminate` say
 * whether the ready wait and the termination wait apply.
 */
export function nextForwardPhase(phase: BlueGreenPhase, options: BlueGreenOptions): BlueGreenPhase {
  switch (phase) {
    case 'provision':
      return 'install';
    case 'install':
      return options.readyWaitSeconds > 0 ? 'ready-wait' : 'allow';
    case 'ready-wait':
      return 'allow';
    case 'allow':
      return 'block';
    case 'block':
      return options.terminationWaitSeconds > 0 ? 'termination-wait' : 'retire';
    case 'termination-wait':
      return 'retire';
    default:
      throw new TypeError(`The ${phase} phase does not go forward.`);
  }
}

/** The Auto Scaling group CodeDeploy copies the original's into (§ the issue: CodeDeploy's name). */
export function replacementAutoScalingGroupName(deploymentGroupName: string, deploymentId: string): string {
  return `CodeDeploy_${deploymentGroupName}_${deploymentId}`;
}

/**
 * The name of the replacement of one original on one machine: the original's name without the
 * deployment suffix an earlier blue/green deployment gave it, then this deployment's (`host-1` ->
 * `host-1-ABCDEFGHJ` -> `host-1-KLMNPQRST`), so a host's line of descent stays readable.
 */
export function replacementHostName(originalName: string, deploymentId: string): string {
  const base = originalName.replace(/-[0-9A-Z]{9}$/, '');
  return `${base}-${deploymentId.replace(/^d-/, '')}`;
}
