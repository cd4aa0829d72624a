// Generated from the flow registry by scripts/generate-handlers.ts; test/handlers/entries.test.ts checks it.
import { Bake } from '../steps/bake.js';
import { lambdaHandler } from './wiring/lambda-handler.js';

/** Bake as a Lambda function (`${BakeFunctionArn}` in the state machines that run it). */
export const handler = lambdaHandler(Bake);
