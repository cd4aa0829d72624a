// Generated from the flow registry by scripts/generate-handlers.ts; test/handlers/entries.test.ts checks it.
import { DeleteOriginalTaskSet } from '../steps/delete-original-task-set.js';
import { lambdaHandler } from './wiring/lambda-handler.js';

/** DeleteOriginalTaskSet as a Lambda function (`${DeleteOriginalTaskSetFunctionArn}` in the state machines that run it). */
export const handler = lambdaHandler(DeleteOriginalTaskSet);
