import { stepHandler } from '../runtime/handler.js';
import { recordBatch } from '../steps/record-batch.js';
import { awsStepDeps } from './aws-deps.js';

/** The `recordBatch` step as a Lambda function (state machines name it `${RecordBatchFunctionArn}`). */
export const handler = stepHandler('recordBatch', (input: Parameters<ReturnType<typeof recordBatch>>[0]) =>
  recordBatch(awsStepDeps())(input),
);
