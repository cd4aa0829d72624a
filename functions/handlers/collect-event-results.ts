import { stepHandler } from '../runtime/handler.js';
import { collectEventResults } from '../steps/collect-event-results.js';
import { awsStepDeps } from './aws-deps.js';

/** The `collectEventResults` step as a Lambda function (state machines name it `${CollectEventResultsFunctionArn}`). */
export const handler = stepHandler(
  'collectEventResults',
  (input: Parameters<ReturnType<typeof collectEventResults>>[0]) => collectEventResults(awsStepDeps())(input),
);
