import { stepHandler } from '../runtime/handler.js';
import { runLifecycleEvent } from '../steps/run-lifecycle-event.js';
import { awsStepDeps, portsOf } from './aws-deps.js';

/** The AWS ports `runLifecycleEvent` uses; the stack grants this function their IAM actions and no others. */
export const ports = portsOf<typeof runLifecycleEvent>()([
  'store',
  'transport',
  'revisions',
  'callbacks',
  'alarms',
]);

/** The `runLifecycleEvent` step as a Lambda function (state machines name it `${RunLifecycleEventFunctionArn}`). */
export const handler = stepHandler(
  'runLifecycleEvent',
  (input: Parameters<ReturnType<typeof runLifecycleEvent>>[0]) =>
    runLifecycleEvent(awsStepDeps(ports))(input),
);
