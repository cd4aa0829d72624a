// Generated from the flow registry by scripts/generate-handlers.ts; test/handlers/entries.test.ts checks it.
import { ShiftTraffic } from '../steps/shift-traffic.js';
import { lambdaHandler } from './wiring/lambda-handler.js';

/** ShiftTraffic as a Lambda function (`${ShiftTrafficFunctionArn}` in the state machines that run it). */
export const handler = lambdaHandler(ShiftTraffic);
