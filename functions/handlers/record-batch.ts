// Generated from the flow registry by scripts/generate-handlers.ts; test/handlers/entries.test.ts checks it.
import { RecordBatch } from '../steps/record-batch.js';
import { lambdaHandler } from './wiring/lambda-handler.js';

/** RecordBatch as a Lambda function (`${RecordBatchFunctionArn}` in the state machines that run it). */
export const handler = lambdaHandler(RecordBatch);
