// Generated from the flow registry by scripts/generate-handlers.ts; test/handlers/entries.test.ts checks it.
import { PrepareServerBlueGreen } from '../steps/prepare-server-blue-green.js';
import { lambdaHandler } from './wiring/lambda-handler.js';

/** PrepareServerBlueGreen as a Lambda function (`${PrepareServerBlueGreenFunctionArn}` in the state machines that run it). */
export const handler = lambdaHandler(PrepareServerBlueGreen);
