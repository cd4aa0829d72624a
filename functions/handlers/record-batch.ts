import { stepHandler } from '../runtime/handler.js';
import { recordBatch } from '../steps/record-batch.js';
import { awsStepDeps, portsOf } from './aws-deps.js';

/** The AWS ports `recordBatch` uses; the stack grants this function their IAM actions and no others. */
export const ports = portsOf<typeof recordBatch>()(['store']);

/** The `recordBatch` step as a Lambda function (state machines name it `${RecordBatchFunctionArn}`). */
export const handler = stepHandler('recordBatch', (input: Parameters<ReturnType<typeof recordBatch>>[0]) =>
  recordBatch(awsStepDeps(ports))(input),
);
