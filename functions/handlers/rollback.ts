import { rollback } from '../steps/rollback.js';
import { stepHandler } from '../runtime/handler.js';
import { awsStepDeps } from './aws-deps.js';

/** The `rollback` step as a Lambda function (state machines name it `${RollbackFunctionArn}`). */
export const handler = stepHandler('rollback', (input: Parameters<ReturnType<typeof rollback>>[0]) =>
  rollback(awsStepDeps())(input),
);
