// Generated from the flow registry by scripts/generate-handlers.ts; test/handlers/entries.test.ts checks it.
import { ProvisionReplacements } from '../steps/provision-replacements.js';
import { lambdaHandler } from './wiring/lambda-handler.js';

/** ProvisionReplacements as a Lambda function (`${ProvisionReplacementsFunctionArn}` in the state machines that run it). */
export const handler = lambdaHandler(ProvisionReplacements);
