// Generated from the flow registry by scripts/generate-handlers.ts; test/handlers/entries.test.ts checks it.
import { BlueGreenWait } from '../steps/blue-green-wait.js';
import { lambdaHandler } from './wiring/lambda-handler.js';

/** BlueGreenWait as a Lambda function (`${BlueGreenWaitFunctionArn}` in the state machines that run it). */
export const handler = lambdaHandler(BlueGreenWait);
