// Generated from the flow registry by scripts/generate-handlers.ts; test/handlers/entries.test.ts checks it.
import { AllowTraffic } from '../steps/allow-traffic.js';
import { lambdaHandler } from './wiring/lambda-handler.js';

/** AllowTraffic as a Lambda function (`${AllowTrafficFunctionArn}` in the state machines that run it). */
export const handler = lambdaHandler(AllowTraffic);
