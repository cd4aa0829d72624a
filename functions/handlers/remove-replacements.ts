// Generated from the flow registry by scripts/generate-handlers.ts; test/handlers/entries.test.ts checks it.
import { RemoveReplacements } from '../steps/remove-replacements.js';
import { lambdaHandler } from './wiring/lambda-handler.js';

/** RemoveReplacements as a Lambda function (`${RemoveReplacementsFunctionArn}` in the state machines that run it). */
export const handler = lambdaHandler(RemoveReplacements);
