// Generated from the flow registry by scripts/generate-handlers.ts; test/handlers/entries.test.ts checks it.
import { OnRevisionUploaded } from './events/on-revision-uploaded.js';
import { lambdaHandler } from './wiring/lambda-handler.js';

/** OnRevisionUploaded as a Lambda function (`${OnRevisionUploadedFunctionArn}` in the state machines that run it). */
export const handler = lambdaHandler(OnRevisionUploaded);
