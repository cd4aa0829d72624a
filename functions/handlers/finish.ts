// Generated from the flow registry by scripts/generate-handlers.ts; test/handlers/entries.test.ts checks it.
import { Finish } from '../steps/finish.js';
import { lambdaHandler } from './wiring/lambda-handler.js';

/** Finish as a Lambda function (`${FinishFunctionArn}` in the state machines that run it). */
export const handler = lambdaHandler(Finish);
