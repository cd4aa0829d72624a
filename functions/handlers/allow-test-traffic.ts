// Generated from the flow registry by scripts/generate-handlers.ts; test/handlers/entries.test.ts checks it.
import { AllowTestTraffic } from '../steps/allow-test-traffic.js';
import { lambdaHandler } from './wiring/lambda-handler.js';

/** AllowTestTraffic as a Lambda function (`${AllowTestTrafficFunctionArn}` in the state machines that run it). */
export const handler = lambdaHandler(AllowTestTraffic);
