// Generated from the flow registry by scripts/generate-handlers.ts; test/handlers/entries.test.ts checks it.
import { SetPrimaryTaskSet } from '../steps/set-primary-task-set.js';
import { lambdaHandler } from './wiring/lambda-handler.js';

/** SetPrimaryTaskSet as a Lambda function (`${SetPrimaryTaskSetFunctionArn}` in the state machines that run it). */
export const handler = lambdaHandler(SetPrimaryTaskSet);
