import { allFlowSteps } from '../../functions/flows/registry.js';
import type { StepDeps } from '../../functions/steps/deps.js';
import type { StepHandler } from '../engine/index.js';

/**
 * Every flow's Task steps bound to ports, keyed by step name: `${ShiftTrafficFunctionArn}` in the ASL
 * runs `ShiftTraffic` here, exactly as the `shift-traffic` Lambda runs it in AWS. The embedded runtime
 * gives a step every port; the ASL passes it the input its state names.
 */
export function stepHandlers(deps: () => StepDeps): Record<string, StepHandler> {
  // Deps are resolved per call: the engine needs the handlers before its own callbacks port exists.
  return Object.fromEntries(
    allFlowSteps().map((spec): [string, StepHandler] => [
      spec.name,
      (input: unknown) => spec.bind(deps())(input),
    ]),
  );
}
