import { stepHandler } from '../runtime/handler.js';
import { runLifecycleEvent } from '../steps/run-lifecycle-event.js';
import { awsStepDeps } from './aws-deps.js';

/** The `runLifecycleEvent` step as a Lambda function (state machines name it `${RunLifecycleEventFunctionArn}`). */
export const handler = stepHandler(
  'runLifecycleEvent',
  (input: Parameters<ReturnType<typeof runLifecycleEvent>>[0]) => runLifecycleEvent(awsStepDeps())(input),
);
