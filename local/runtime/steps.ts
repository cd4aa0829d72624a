import { bake } from '../../functions/steps/bake.js';
import { collectEventResults } from '../../functions/steps/collect-event-results.js';
import type { StepDeps } from '../../functions/steps/deps.js';
import { finish } from '../../functions/steps/finish.js';
import { nextBatch } from '../../functions/steps/next-batch.js';
import { prepare } from '../../functions/steps/prepare.js';
import { recordBatch } from '../../functions/steps/record-batch.js';
import { rollback } from '../../functions/steps/rollback.js';
import { runHook } from '../../functions/steps/run-hook.js';
import { runLifecycleEvent } from '../../functions/steps/run-lifecycle-event.js';
import { shiftTraffic } from '../../functions/steps/shift-traffic.js';
import { startRollbackDeployment } from '../../functions/steps/start-rollback-deployment.js';
import { allowTraffic, blockTraffic, checkTargets } from '../../functions/steps/traffic-control.js';
import type { StepHandler } from '../engine/index.js';

/**
 * The state machines' Task steps bound to ports, keyed by step name: `${ShiftTrafficFunctionArn}`
 * in the ASL runs `ShiftTraffic` here, exactly as the `shift-traffic` Lambda runs it in AWS.
 */
export function stepHandlers(deps: () => StepDeps): Record<string, StepHandler> {
  // Deps are resolved per call: the engine needs the handlers before its own callbacks port exists.
  const bind =
    <I, O>(step: (deps: StepDeps) => (input: I) => Promise<O>): StepHandler =>
    (input: unknown) =>
      step(deps())(input as I);
  return {
    Prepare: bind(prepare),
    RunHook: bind(runHook),
    ShiftTraffic: bind(shiftTraffic),
    Bake: bind(bake),
    Rollback: bind(rollback),
    Finish: bind(finish),
    NextBatch: bind(nextBatch),
    RunLifecycleEvent: bind(runLifecycleEvent),
    CollectEventResults: bind(collectEventResults),
    BlockTraffic: bind(blockTraffic),
    AllowTraffic: bind(allowTraffic),
    CheckTargets: bind(checkTargets),
    RecordBatch: bind(recordBatch),
    StartRollbackDeployment: bind(startRollbackDeployment),
  };
}
