/** The simulated hook functions of a Lambda or ECS simulation, and how they answer. */
import { errorName } from '../../functions/steps/caught-errors.js';
import type { LocalRuntime } from '../runtime/runtime.js';
import type { HookHandler, SimulatedLambda } from '../simulated/lambda.js';
import type { SimulationRecorder } from './recorder.js';

/** Simulated seconds a hook function takes before it answers. */
const HOOK_ANSWER_SECONDS = 2;

/** What of an AppSpec names the hook functions; a Lambda AppSpec also names the deployed function. */
export interface HookedAppSpec {
  hooks: ReadonlyArray<{ functionName: string }>;
  functionName?: string;
}

/**
 * Each hook function answers PutLifecycleEventHookExecutionStatus after a short simulated delay:
 * Succeeded, or Failed for the event named by --fail-hook. The event is read from the hook
 * execution, so one function serving both events answers each correctly.
 */
export function registerHooks(
  runtime: LocalRuntime,
  lambda: SimulatedLambda,
  appSpec: HookedAppSpec,
  failHook: string | undefined,
  recorder: SimulationRecorder,
): void {
  for (const functionName of new Set(appSpec.hooks.map((hook) => hook.functionName))) {
    // A hook may be the deployed function itself: it exists already, it only gets the hook's code.
    if (functionName !== appSpec.functionName) lambda.createFunction(functionName);
    const handler: HookHandler = async (event, context) => {
      const execution = await runtime.deps.hookExecutions.getHookExecution(
        event.LifecycleEventHookExecutionId,
      );
      const lifecycleEvent = execution?.lifecycleEventName ?? 'hook';
      const answer = lifecycleEvent === failHook ? 'Failed' : 'Succeeded';
      recorder.note(lifecycleEvent, `invoked ${functionName}`);
      await context.sleep(HOOK_ANSWER_SECONDS * 1000);
      // Noted before the call: the answer resumes the state machine, whose next states come after it.
      recorder.note(lifecycleEvent, `${functionName} answers ${answer}`);
      try {
        await runtime.putLifecycleEventHookExecutionStatus({
          deploymentId: event.DeploymentId,
          lifecycleEventHookExecutionId: event.LifecycleEventHookExecutionId,
          status: answer,
        });
      } catch (error) {
        recorder.note(lifecycleEvent, `${functionName}'s answer was refused: ${errorName(error) ?? 'Error'}`);
      }
    };
    lambda.registerHook(functionName, handler);
  }
}
