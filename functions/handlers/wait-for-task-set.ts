// Generated from the flow registry by scripts/generate-handlers.ts; test/handlers/entries.test.ts checks it.
import { WaitForTaskSet } from '../steps/wait-for-task-set.js';
import { lambdaHandler } from './wiring/lambda-handler.js';

/** WaitForTaskSet as a Lambda function (`${WaitForTaskSetFunctionArn}` in the state machines that run it). */
export const handler = lambdaHandler(WaitForTaskSet);
