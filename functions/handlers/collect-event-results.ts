import { stepHandler } from '../runtime/handler.js';
import { collectEventResults } from '../steps/collect-event-results.js';
import { awsStepDeps, portsOf } from './aws-deps.js';

/** The AWS ports `collectEventResults` uses; the stack grants this function their IAM actions and no others. */
export const ports = portsOf<typeof collectEventResults>()(['store', 'transport', 'callbacks']);

/** The `collectEventResults` step as a Lambda function (state machines name it `${CollectEventResultsFunctionArn}`). */
export const handler = stepHandler(
  'collectEventResults',
  (input: Parameters<ReturnType<typeof collectEventResults>>[0]) =>
    collectEventResults(awsStepDeps(ports))(input),
);
