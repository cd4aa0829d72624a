// Generated from the flow registry by scripts/generate-handlers.ts; test/handlers/entries.test.ts checks it.
import { RetireOriginals } from '../steps/retire-originals.js';
import { lambdaHandler } from './wiring/lambda-handler.js';

/** RetireOriginals as a Lambda function (`${RetireOriginalsFunctionArn}` in the state machines that run it). */
export const handler = lambdaHandler(RetireOriginals);
