import {
  isRollbackPhase,
  nextForwardPhase,
  phaseEvents,
  type BatchPhase,
  type BlueGreenPhase,
} from '../domain/server-blue-green.js';
import type { InstanceTargetRecord, LifecycleEventRecord, ServerDeploymentRecord } from '../ports/records.js';
import { ALL_AT_ONCE, eventBegan, scheduled, startPhase, targetsLabelled } from './blue-green-phases.js';
import { deploymentConfigOf } from './deployment-config.js';
import { defineStep, type StepDeps } from './deps.js';
import { renewLockLease } from './group-lock-lease.js';
import { assertNotStopped, loadDeploymentOf } from './load-deployment.js';
import { closeUnfinishedTargets } from './server-targets.js';

export interface NextBlueGreenPhaseInput {
  deploymentId: string;
  /** From the Rollback path: start (or go on with) the rollback instead of going forward. */
  rollingBack?: boolean;
  /** Rollback's answer: false when a stop without rollback asked to leave everything where it is. */
  restoring?: boolean;
}

/**
 * What the parent machine does next:
 * - `batches`: a phase was planned; run it (child executions of the Server batches machine);
 * - `ready-wait` / `termination-wait`: park on that wait;
 * - `retire`: end or keep the originals (the deployment succeeded);
 * - `remove`: the rollback's batches are done (or there are none): remove the replacements.
 */
export interface NextBlueGreenPhaseOutput {
  next: 'batches' | 'ready-wait' | 'termination-wait' | 'retire' | 'remove';
}

type PhaseDeps = Pick<
  StepDeps,
  | 'deployments'
  | 'groupLocks'
  | 'deploymentTargets'
  | 'serverBatches'
  | 'alarmWatches'
  | 'deploymentConfigs'
  | 'clock'
  | 'settings'
>;

/**
 * Between the phases of a Server blue/green deployment (domain/server-blue-green.ts), after the
 * batches of one ended well or a wait ended: plans the next phase. Going forward, the replacements
 * that installed (Ready) take traffic by the configuration's batches, then the originals leave the
 * load balancer all at once (one that fails to fails the deployment). Rolling back, the originals
 * that had left come back (Before/AllowTraffic/After), then the replacements that had joined leave
 * (Before/BlockTraffic/After), each all at once and whatever fails; stops and alarms no longer
 * interrupt it. Idempotent: the phase is recorded with its plan, and a retry plans nothing twice.
 */
export function nextBlueGreenPhase(deps: PhaseDeps) {
  return async (input: NextBlueGreenPhaseInput): Promise<NextBlueGreenPhaseOutput> => {
    const record = await loadDeploymentOf(deps.deployments, input.deploymentId, 'Server');
    const state = record.serverBlueGreen;
    if (!state) throw new TypeError(`The deployment ${input.deploymentId} is not a blue/green deployment.`);
    await renewLockLease(deps, record);
    if (input.rollingBack || state.rollingBack) return rollBack(deps, record, input.restoring !== false);

    assertNotStopped(record);
    const next = nextForwardPhase(state.phase, state.options);
    switch (next) {
      case 'ready-wait':
      case 'termination-wait':
      case 'retire':
        await deps.deployments.updateDeployment(record.deploymentId, {
          serverBlueGreen: { ...state, phase: next },
        });
        return { next };
      case 'allow': {
        const ready = (await targetsLabelled(deps, record.deploymentId, 'Green')).filter(
          (target) => target.status === 'Ready',
        );
        const config = await deploymentConfigOf(deps, record.deploymentConfigName);
        // Installed and serving soon: the configuration's minimum keeps that many of them out of the
        // batch in flight. A fleet the configuration cannot batch (too few left) moves at once.
        const instances = scheduled(ready, true);
        try {
          await startPhase(deps, record, { phase: 'allow', instances, config });
        } catch (error) {
          if ((error as Error).name !== 'HealthConstraintsInvalidError') throw error;
          await startPhase(deps, record, { phase: 'allow', instances, config: ALL_AT_ONCE });
        }
        return { next: 'batches' };
      }
      case 'block': {
        const originals = (await targetsLabelled(deps, record.deploymentId, 'Blue')).filter(
          (target) => target.status === 'Pending',
        );
        await startPhase(deps, record, {
          phase: 'block',
          instances: scheduled(originals, false),
          config: ALL_AT_ONCE,
          // Any original that fails to leave fails the whole deployment (reference §4.6).
          policy: { failOnAnyFailure: true },
        });
        return { next: 'batches' };
      }
      default:
        throw new TypeError(`A blue/green deployment does not go from ${state.phase} to ${next}.`);
    }
  };
}

/**
 * The rollback, one phase after the other: its first call marks the deployment rolling back (so
 * stops and alarms change nothing any more), ends what was in flight, and stops watching alarms.
 */
async function rollBack(
  deps: PhaseDeps,
  record: ServerDeploymentRecord,
  restoring: boolean,
): Promise<NextBlueGreenPhaseOutput> {
  const state = record.serverBlueGreen!;
  let phase: BlueGreenPhase = state.phase;
  if (!state.rollingBack) {
    await deps.deployments.updateDeployment(record.deploymentId, {
      serverBlueGreen: { ...state, rollingBack: true, ...(restoring ? {} : { keepFleets: true }) },
    });
    const alarmNames = record.alarmConfiguration?.alarms.map((alarm) => alarm.name) ?? [];
    await deps.alarmWatches.unwatchAlarms(record.deploymentId, alarmNames);
    // What the failure interrupted ends now: pending instances Skipped, those in flight Failed.
    const now = deps.clock.now();
    await closeUnfinishedTargets(deps.deploymentTargets, record.deploymentId, now);
    // Installed replacements that never took traffic stay Ready; the events they will not run are Skipped.
    const ready = (await targetsLabelled(deps, record.deploymentId, 'Green')).filter(
      (t) => t.status === 'Ready',
    );
    await deps.deploymentTargets.putDeploymentTargets(
      ready.map((target) => ({
        ...target,
        lastUpdatedAt: now.toISOString(),
        lifecycleEvents: target.lifecycleEvents.map((event) =>
          event.status === 'Pending' ? { ...event, status: 'Skipped' as const } : event,
        ),
      })),
    );
    phase = 'provision'; // nothing of the rollback has run yet
    record = await loadDeploymentOf(deps.deployments, record.deploymentId, 'Server');
  }
  const current = record.serverBlueGreen!;
  if (current.keepFleets || phase === 'rollback-block' || phase === 'remove') {
    await setPhase(deps, record, 'remove');
    return { next: 'remove' };
  }
  if (phase !== 'rollback-allow') {
    // The originals that left (or began to leave) the load balancer come back first.
    const left = (await targetsLabelled(deps, record.deploymentId, 'Blue')).filter((target) =>
      eventBegan(target, 'BlockTraffic'),
    );
    if (left.length > 0) {
      await rollbackPhase(deps, record, 'rollback-allow', left);
      return { next: 'batches' };
    }
  }
  // Then the replacements that joined (or began to join) it leave.
  const joined = (await targetsLabelled(deps, record.deploymentId, 'Green')).filter((target) =>
    eventBegan(target, 'AllowTraffic'),
  );
  if (joined.length > 0) {
    await rollbackPhase(deps, record, 'rollback-block', joined);
    return { next: 'batches' };
  }
  await setPhase(deps, record, 'remove');
  return { next: 'remove' };
}

async function setPhase(
  deps: PhaseDeps,
  record: ServerDeploymentRecord,
  phase: BlueGreenPhase,
): Promise<void> {
  if (record.serverBlueGreen?.phase === phase) return;
  await deps.deployments.updateDeployment(record.deploymentId, {
    serverBlueGreen: { ...record.serverBlueGreen!, phase },
  });
}

/** The rollback's events are added to its instances' targets (once), then its phase starts, all at once. */
async function rollbackPhase(
  deps: PhaseDeps,
  record: ServerDeploymentRecord,
  phase: BatchPhase,
  targets: readonly InstanceTargetRecord[],
): Promise<void> {
  if (!isRollbackPhase(phase)) throw new TypeError(`${phase} is not a rollback phase.`);
  const events = phaseEvents(phase);
  const now = deps.clock.now().toISOString();
  await deps.deploymentTargets.putDeploymentTargets(
    targets
      .filter((target) => !target.lifecycleEvents.some((e) => e.lifecycleEventName === events[0]))
      .map((target) => ({
        ...target,
        lastUpdatedAt: now,
        lifecycleEvents: [
          ...target.lifecycleEvents,
          ...events.map((name): LifecycleEventRecord => ({ lifecycleEventName: name, status: 'Pending' })),
        ],
      })),
  );
  await startPhase(deps, record, {
    phase,
    instances: scheduled(targets, false),
    config: ALL_AT_ONCE,
    policy: { bestEffort: true },
  });
}

/** The Server blue/green flow's NextBlueGreenPhase Task: `${NextBlueGreenPhaseFunctionArn}`. */
export const NextBlueGreenPhase = defineStep('NextBlueGreenPhase', nextBlueGreenPhase, {
  memoryMiB: 1024,
  timeoutSeconds: 900,
})(['deployments', 'groupLocks', 'deploymentTargets', 'serverBatches', 'alarmWatches', 'deploymentConfigs']);
