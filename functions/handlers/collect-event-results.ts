// Generated from the flow registry by scripts/generate-handlers.ts; test/handlers/entries.test.ts checks it.
import { CollectEventResults } from '../steps/collect-event-results.js';
import { lambdaHandler } from './wiring/lambda-handler.js';

/** CollectEventResults as a Lambda function (`${CollectEventResultsFunctionArn}` in the state machines that run it). */
export const handler = lambdaHandler(CollectEventResults);
