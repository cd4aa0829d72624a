import { stepHandler } from '../runtime/handler.js';
import { nextBatch } from '../steps/next-batch.js';
import { awsStepDeps } from './aws-deps.js';

/** The `nextBatch` step as a Lambda function (state machines name it `${NextBatchFunctionArn}`). */
export const handler = stepHandler('nextBatch', (input: Parameters<ReturnType<typeof nextBatch>>[0]) =>
  nextBatch(awsStepDeps())(input),
);
