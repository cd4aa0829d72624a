import { stepHandler } from '../../runtime/handler.js';
import type { StepSpec } from '../../steps/deps.js';
import { awsStepDeps } from './aws-deps.js';

/**
 * A step (or an event target) as a Lambda function: its declared ports bound to AWS once per
 * container, wrapped in the middy handler that logs its failures with the invocation's correlation
 * ids. Every entry file under functions/handlers/ is this one call.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the ports are bound by name, as declared
export function lambdaHandler<I, O>(spec: StepSpec<string, any, I, O>) {
  return stepHandler(spec.name, (input: I) => spec.bind(awsStepDeps(spec.ports))(input));
}
