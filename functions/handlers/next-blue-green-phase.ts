// Generated from the flow registry by scripts/generate-handlers.ts; test/handlers/entries.test.ts checks it.
import { NextBlueGreenPhase } from '../steps/next-blue-green-phase.js';
import { lambdaHandler } from './wiring/lambda-handler.js';

/** NextBlueGreenPhase as a Lambda function (`${NextBlueGreenPhaseFunctionArn}` in the state machines that run it). */
export const handler = lambdaHandler(NextBlueGreenPhase);
