// Generated from the flow registry by scripts/generate-handlers.ts; test/handlers/entries.test.ts checks it.
import { PrepareServerInPlace } from '../steps/prepare-server-in-place.js';
import { lambdaHandler } from './wiring/lambda-handler.js';

/** PrepareServerInPlace as a Lambda function (`${PrepareServerInPlaceFunctionArn}` in the state machines that run it). */
export const handler = lambdaHandler(PrepareServerInPlace);
