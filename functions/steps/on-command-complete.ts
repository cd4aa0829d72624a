import { parseDiagnostics } from '../domain/instance-scripts/index.js';
import type { InstanceCommandResult } from '../ports/instance-transport.js';
import type { CommandWait, InstanceTargetRecord } from '../ports/records.js';
import type { StepDeps } from './deps.js';
import { resumeEvent } from './event-waits.js';
import { targetEventStatus, targetsOf, withTargetEvent } from './server-targets.js';

const RUNNING = new Set(['Pending', 'InProgress']);
/** How parseDiagnostics starts its message when the script printed no diagnostics line. */
const UNREPORTED = 'The lifecycle event script did not report its result';
const STDERR_TAIL_CHARS = 500;

/** What recording a command's results uses (its callers' deps include these). */
export type OnCommandCompleteDeps = Pick<
  StepDeps,
  | 'deploymentTargets'
  | 'serverBatches'
  | 'pendingWaits'
  | 'commandWaits'
  | 'transport'
  | 'callbacks'
  | 'clock'
>;

/**
 * Target of the SSM "Command Status-change" EventBridge rule (and of the local transport when a host
 * finishes): records the results of one command (one chunk of a batch, 50 instances at most) for
 * its event and counts it down on the event's wait; the last command of the event to report, once
 * all were sent, resumes the parked lifecycle-event state. It reads and writes the chunk's targets
 * only, never the batch's or the deployment's others.
 */
export function onCommandComplete(deps: OnCommandCompleteDeps) {
  return async (commandId: string, options: { final?: boolean } = {}): Promise<{ completed: boolean }> => {
    const { commandWaits, serverBatches } = deps;
    const pending = await commandWaits.getCommandWait(commandId);
    if (!pending) return { completed: false }; // already handled, or not ours
    const results = await deps.transport.getCommandResults(commandId, pending.instanceIds);
    if (!options.final && results.some((result) => RUNNING.has(result.status))) return { completed: false };
    // Two callers may get here for one command; only the one that takes the wait records and resumes.
    const wait = await commandWaits.takeCommandWait(commandId);
    if (!wait) return { completed: false };
    await recordResults(deps, wait, results);
    const event = await serverBatches.eventCommandDone(
      wait.deploymentId,
      wait.batchNumber,
      wait.lifecycleEventName,
    );
    if (event.allSent && event.pending <= 0) {
      await resumeEvent(deps, wait.deploymentId, event.taskToken, wait.lifecycleEventName);
    }
    return { completed: true };
  };
}

async function recordResults(
  deps: Pick<StepDeps, 'deploymentTargets' | 'clock'>,
  wait: CommandWait,
  results: InstanceCommandResult[],
) {
  const targets = await targetsOf(deps.deploymentTargets, wait.deploymentId, wait.instanceIds);
  const now = deps.clock.now();
  const recorded: InstanceTargetRecord[] = [];
  for (const instanceId of wait.instanceIds) {
    const target = targets.get(instanceId);
    // A result that arrives after the event was closed (a StopDeployment or an alarm ended the
    // deployment while the script ran on) must not rewrite what Finish recorded.
    if (!target || targetEventStatus(target, wait.lifecycleEventName) !== 'InProgress') continue;
    const result = results.find((r) => r.instanceId === instanceId);
    recorded.push(resultOnTarget(target, wait.lifecycleEventName, result, now));
  }
  await deps.deploymentTargets.putDeploymentTargets(recorded);
}

export function resultOnTarget(
  target: InstanceTargetRecord,
  event: string,
  result: InstanceCommandResult | undefined,
  now: Date,
): InstanceTargetRecord {
  if (!result || RUNNING.has(result.status)) {
    return withTargetEvent(target, event, 'Failed', now, {
      errorCode: 'UnknownError',
      message: `The ${event} command did not complete on ${target.targetId} in time.`,
    });
  }
  const diagnostics = parseDiagnostics(result.stdout);
  const succeeded =
    result.status === 'Success' && result.exitCode === 0 && diagnostics.errorCode === 'Success';
  if (succeeded)
    return withTargetEvent(target, event, 'Succeeded', now, {
      errorCode: 'Success',
      message: diagnostics.message,
      logTail: diagnostics.logTail,
    });
  // A script that printed no diagnostics never ran to its end (sh could not start, it was killed):
  // then the command's own error output is the only reason there is, and the user needs it.
  const unreported = diagnostics.message.startsWith(UNREPORTED);
  const errorOutput = unreported ? result.stderr.trim().slice(-STDERR_TAIL_CHARS) : '';
  const message =
    diagnostics.errorCode === 'UnknownError' && (result.status !== 'Failed' || unreported)
      ? `The ${event} command ended ${result.status} on ${target.targetId}. ${diagnostics.message}${errorOutput ? ` Error output: ${errorOutput}` : ''}`.trim()
      : diagnostics.message;
  return withTargetEvent(target, event, 'Failed', now, {
    errorCode: diagnostics.errorCode,
    ...(diagnostics.scriptName ? { scriptName: diagnostics.scriptName } : {}),
    message,
    logTail: diagnostics.logTail,
  });
}
