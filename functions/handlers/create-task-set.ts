// Generated from the flow registry by scripts/generate-handlers.ts; test/handlers/entries.test.ts checks it.
import { CreateTaskSet } from '../steps/create-task-set.js';
import { lambdaHandler } from './wiring/lambda-handler.js';

/** CreateTaskSet as a Lambda function (`${CreateTaskSetFunctionArn}` in the state machines that run it). */
export const handler = lambdaHandler(CreateTaskSet);
