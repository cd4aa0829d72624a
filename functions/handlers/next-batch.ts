// Generated from the flow registry by scripts/generate-handlers.ts; test/handlers/entries.test.ts checks it.
import { NextBatch } from '../steps/next-batch.js';
import { lambdaHandler } from './wiring/lambda-handler.js';

/** NextBatch as a Lambda function (`${NextBatchFunctionArn}` in the state machines that run it). */
export const handler = lambdaHandler(NextBatch);
