import { rollback } from '../steps/rollback.js';
import { stepHandler } from '../runtime/handler.js';
import { awsStepDeps, portsOf } from './aws-deps.js';

/** The AWS ports `rollback` uses; the stack grants this function their IAM actions and no others. */
export const ports = portsOf<typeof rollback>()(['store', 'lambda', 'transport']);

/** The `rollback` step as a Lambda function (state machines name it `${RollbackFunctionArn}`). */
export const handler = stepHandler('rollback', (input: Parameters<ReturnType<typeof rollback>>[0]) =>
  rollback(awsStepDeps(ports))(input),
);
