import { stepHandler } from '../runtime/handler.js';
import { nextBatch } from '../steps/next-batch.js';
import { awsStepDeps, portsOf } from './aws-deps.js';

/** The AWS ports `nextBatch` uses; the stack grants this function their IAM actions and no others. */
export const ports = portsOf<typeof nextBatch>()(['store', 'alarms']);

/** The `nextBatch` step as a Lambda function (state machines name it `${NextBatchFunctionArn}`). */
export const handler = stepHandler('nextBatch', (input: Parameters<ReturnType<typeof nextBatch>>[0]) =>
  nextBatch(awsStepDeps(ports))(input),
);
